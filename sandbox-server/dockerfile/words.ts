import { problemWith } from './source.ts';

/**
 * The engine's word lexer (buildkit's frontend/dockerfile/shell, as vendored in Docker 20.10),
 * which the classic builder runs over the arguments of ADD, COPY, ENV, LABEL, ARG, WORKDIR, USER,
 * VOLUME, EXPOSE, STOPSIGNAL and FROM before it uses them: quotes group and go, the escape token
 * escapes, `$name`, `${name}` and `${name:-word}` expand.
 *
 * A word is read into parts once. Evaluating the parts gives exactly what the engine's
 * ProcessWord gives for the same environment, and `serializeWord` writes parts back in one
 * canonical spelling (default escape token, every special character escaped) that reads back to
 * the same parts. That round trip is what lets the review check one thing and the engine build it.
 */

export type WordPart =
  | { kind: 'text'; text: string }
  | { kind: 'variable'; name: string }
  /** `${name:-word}`, `${name:+word}`, `${name:?word}` (colon) and `${name?word}` (no colon). */
  | { kind: 'modified'; name: string; colon: boolean; modifier: '-' | '+' | '?'; word: WordPart[] };

/** A word's parts, remembering how the learner wrote it for messages. */
export type Word = WordPart[] & { written?: string };

/** The word as the learner wrote it, or its canonical spelling for a word made here. */
export function writtenWord(word: Word): string {
  return word.written ?? serializeWord(word);
}

export class WordSyntaxError extends Error {}

/** A word holding a character that no spelling can carry to the engine unchanged. */
export class UnwritableWordError extends Error {}

/** A word that refers to no variable is its own value. */
export function literalValue(word: Word): string | undefined {
  let value = '';
  for (const part of word) {
    if (part.kind !== 'text') return undefined;
    value += part.text;
  }
  return value;
}

export function hasVariables(word: Word): boolean {
  return word.some((part) => part.kind !== 'text');
}

export function variablesOf(word: Word): string[] {
  return word.flatMap((part) => (part.kind === 'text' ? [] : part.kind === 'variable' ? [part.name] : [part.name, ...variablesOf(part.word)]));
}

const EOF = -1;

/** A rune cursor over the word, like Go's text/scanner Peek and Next. */
class Cursor {
  readonly #runes: string[];
  #index = 0;

  constructor(text: string) {
    this.#runes = [...text];
  }

  peek(): string | typeof EOF {
    return this.#index < this.#runes.length ? this.#runes[this.#index]! : EOF;
  }

  next(): string | typeof EOF {
    return this.#index < this.#runes.length ? this.#runes[this.#index++]! : EOF;
  }
}

/** Reads a word the way ProcessWord will. Throws WordSyntaxError with the engine's message. */
export function parseWord(text: string, escapeToken: string): Word {
  const cursor = new Cursor(text);
  try {
    const word: Word = new WordReader(cursor, escapeToken).readUntil(EOF);
    word.written = text;
    return word;
  } catch (error) {
    if (error instanceof WordSyntaxError) throw new WordSyntaxError(`failed to process ${goQuote(text)}: ${error.message}`);
    throw error;
  }
}

/** `${a:-${b:-…}}` nested deeper than this is refused: the engine's Go stack would take it, ours is smaller. */
const MAX_NESTING = 64;

class WordReader {
  readonly #cursor: Cursor;
  readonly #escape: string;
  #depth = 0;

  constructor(cursor: Cursor, escapeToken: string) {
    this.#cursor = cursor;
    this.#escape = escapeToken;
  }

  /** processStopOn: parts up to `stop` (consumed) or the end. */
  readUntil(stop: string | typeof EOF): Word {
    const parts = new PartsBuilder();
    const cursor = this.#cursor;
    while (cursor.peek() !== EOF) {
      const ch = cursor.peek();
      if (stop !== EOF && ch === stop) {
        cursor.next();
        return parts.done();
      }
      if (ch === "'") {
        parts.text(this.#singleQuoted());
      } else if (ch === '"') {
        parts.append(this.#doubleQuoted());
      } else if (ch === '$') {
        parts.add(this.#dollar());
      } else {
        let taken = cursor.next() as string;
        if (taken === this.#escape) {
          const escaped = cursor.next();
          if (escaped === EOF) break;
          taken = escaped;
        }
        parts.text(taken);
      }
    }
    if (stop !== EOF) throw new WordSyntaxError(`unexpected end of statement while looking for matching ${stop}`);
    return parts.done();
  }

  #singleQuoted(): string {
    const cursor = this.#cursor;
    cursor.next();
    let text = '';
    for (;;) {
      const ch = cursor.next();
      if (ch === EOF) throw new WordSyntaxError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return text;
      text += ch;
    }
  }

  #doubleQuoted(): Word {
    const cursor = this.#cursor;
    const parts = new PartsBuilder();
    cursor.next();
    for (;;) {
      const ch = cursor.peek();
      if (ch === EOF) throw new WordSyntaxError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        cursor.next();
        return parts.done();
      }
      if (ch === '$') {
        parts.add(this.#dollar());
        continue;
      }
      let taken = cursor.next() as string;
      if (taken === this.#escape) {
        const following = cursor.peek();
        // An escape token at the very end is dropped; then the missing quote is the error.
        if (following === EOF) continue;
        // Only these can be escaped inside double quotes; before anything else the token stays.
        if (following === '"' || following === '$' || following === this.#escape) taken = cursor.next() as string;
      }
      parts.text(taken);
    }
  }

  #dollar(): WordPart {
    const cursor = this.#cursor;
    cursor.next();
    if (cursor.peek() !== '{') {
      const name = this.#name();
      return name === '' ? { kind: 'text', text: '$' } : { kind: 'variable', name };
    }
    cursor.next();
    const first = cursor.peek();
    if (first === EOF) throw new WordSyntaxError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new WordSyntaxError('syntax error: bad substitution');
    const name = this.#name();
    const ch = cursor.next();
    if (ch === '}') return { kind: 'variable', name };
    if (ch === '?') {
      const word = this.#modifierWord();
      return { kind: 'modified', name, colon: false, modifier: '?', word };
    }
    if (ch === ':') {
      const modifier = cursor.next();
      const word = this.#modifierWord();
      if (modifier === '+' || modifier === '-' || modifier === '?') return { kind: 'modified', name, colon: true, modifier, word };
      throw new WordSyntaxError(`unsupported modifier (${modifier === EOF ? '\uFFFD' : modifier}) in substitution`);
    }
    throw new WordSyntaxError("missing ':' in substitution");
  }

  #modifierWord(): Word {
    if (++this.#depth > MAX_NESTING) throw new WordSyntaxError(`variables nested more than ${MAX_NESTING} deep`);
    try {
      return this.readUntil('}');
    } catch (error) {
      if (error instanceof WordSyntaxError && this.#cursor.peek() === EOF) throw new WordSyntaxError("syntax error: missing '}'");
      throw error;
    } finally {
      this.#depth -= 1;
    }
  }

  /** processName: a run of digits, one special parameter, or letters, digits and underscores. */
  #name(): string {
    const cursor = this.#cursor;
    let name = '';
    while (cursor.peek() !== EOF) {
      const ch = cursor.peek() as string;
      if (name === '' && isDigit(ch)) {
        while (cursor.peek() !== EOF && isDigit(cursor.peek() as string)) name += cursor.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMETERS.has(ch)) return cursor.next() as string;
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += cursor.next();
    }
    return name;
  }
}

const SPECIAL_PARAMETERS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

function isLetter(ch: string): boolean {
  return LETTER.test(ch);
}

function isDigit(ch: string): boolean {
  return DIGIT.test(ch);
}

/** Collects parts, joining neighbouring text. */
class PartsBuilder {
  readonly #parts: WordPart[] = [];

  text(text: string): void {
    const last = this.#parts.at(-1);
    if (last?.kind === 'text') last.text += text;
    else this.#parts.push({ kind: 'text', text });
  }

  add(part: WordPart): void {
    if (part.kind === 'text') this.text(part.text);
    else this.#parts.push(part);
  }

  append(word: Word): void {
    for (const part of word) this.add(part);
  }

  done(): Word {
    return this.#parts;
  }
}

export class WordEvaluationError extends Error {}

/** What a word is evaluated against: the engine's environment for that instruction. */
export interface Environment {
  get(name: string): string | undefined;
  has(name: string): boolean;
}

/**
 * The word's value in this environment, as ProcessWord computes it: an unset variable is empty,
 * and `?` fails with the engine's message.
 */
export function evaluateWord(word: Word, env: Environment): string {
  let value = '';
  for (const part of word) {
    if (part.kind === 'text') {
      value += part.text;
    } else if (part.kind === 'variable') {
      value += env.get(part.name) ?? '';
    } else {
      value += evaluateModified(part, env);
    }
  }
  return value;
}

function evaluateModified(part: Extract<WordPart, { kind: 'modified' }>, env: Environment): string {
  const found = env.has(part.name);
  const current = env.get(part.name) ?? '';
  const word = evaluateWord(part.word, env);
  if (!part.colon) {
    if (!found) throw new WordEvaluationError(`${part.name}: ${word || 'is not allowed to be unset'}`);
    return current;
  }
  if (part.modifier === '+') return current !== '' ? word : current;
  if (part.modifier === '-') return current === '' ? word : current;
  if (!found) throw new WordEvaluationError(`${part.name}: ${word || 'is not allowed to be unset'}`);
  if (current === '') throw new WordEvaluationError(`${part.name}: ${word || 'is not allowed to be empty'}`);
  return current;
}

/** Characters that mean nothing to the lexer, the line parsers or the flag reader, anywhere. */
const PLAIN = /^[A-Za-z0-9_./:@%+,=~^*?!#&()<>|;-]$/;

/**
 * Writes the parts in the canonical spelling for the default escape token: whitespace inside
 * single quotes (so no line parser splits or trims it), every other special character behind a
 * backslash, variables always braced. Non-ASCII characters are plain to every parser involved.
 * A leading "-" is escaped too, so a value can never read as a builder flag.
 */
export function serializeWord(word: Word): string {
  return serializeParts(word) || "''";
}

function serializeParts(word: Word): string {
  let out = '';
  for (const part of word) {
    if (part.kind === 'text') {
      for (const ch of part.text) {
        const point = ch.codePointAt(0)!;
        // The engine's line parsers split on \v, \f and \r, and a backslash before a newline joins
        // the next line: such a character, however it got into the word, has no safe spelling.
        const problem = ch === '\t' || (point >= 0x20 && point < 0x7f) ? undefined : problemWith(point);
        if (problem) throw new UnwritableWordError(`a word holds ${problem}`);
        if (ch === ' ' || ch === '\t') out += `'${ch}'`;
        else if ((ch.charCodeAt(0) < 0x80 && !PLAIN.test(ch)) || (out === '' && ch === '-')) out += `\\${ch}`;
        else out += ch;
      }
    } else if (part.kind === 'variable') {
      out += `\${${part.name}}`;
    } else {
      out += `\${${part.name}${part.colon ? ':' : ''}${part.modifier}${serializeParts(part.word)}}`;
    }
  }
  return out;
}

/** Go's %q for the strings these messages quote (printable text stays as it is). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}
