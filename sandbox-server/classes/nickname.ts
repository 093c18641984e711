import { CLASS_LIMITS } from './limits.ts';

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;
/** Letters and symbols that draw as blank space. */
const BLANK_LOOKING = /[\u115f\u1160\u3164\uffa0\u2800]/gu;

/**
 * The key a nickname is unique by in its class: compatibility forms folded (full-width "Ａｎａ" is
 * "Ana") and case ignored ("ana" is "Ana").
 */
export function nicknameKey(nickname: string): string {
  return nickname.normalize('NFKC').toLowerCase();
}

/** A nickname as the learner typed it, trimmed, or the sentence saying why it can't be one. */
export function checkNickname(input: string): { nickname: string } | { error: string } {
  const nickname = input.trim();
  if (nickname.length === 0) return { error: 'the nickname is empty; type the name your instructor will see' };
  if ([...nickname].length > CLASS_LIMITS.nicknameLength) {
    return { error: `the nickname is ${[...nickname].length} characters long; it may be at most ${CLASS_LIMITS.nicknameLength}` };
  }
  // Control, format (zero-width, bidirectional overrides), private-use and surrogate code points,
  // and line or paragraph separators: each could make one name look like another's, or like none.
  if (INVISIBLE.test(nickname)) {
    return { error: 'the nickname holds an invisible or control character; use letters, digits, spaces and punctuation' };
  }
  if (!VISIBLE.test(nickname.replace(BLANK_LOOKING, ''))) return { error: 'the nickname shows nothing; type the name your instructor will see' };
  return { nickname: nickname.normalize('NFC') };
}
