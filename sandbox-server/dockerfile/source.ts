/**
 * The characters a Dockerfile may hold here, and its physical lines.
 *
 * The engine's parser (Go) has its own ideas about Unicode: `unicode.IsSpace` trims a non-breaking
 * space where a regex split does not, `strings.ToLower` turns "İ" into "i" and the Kelvin sign into
 * "k", invalid UTF-8 becomes U+FFFD. Rather than copy every such corner, a Dockerfile is refused
 * when it holds a character whose meaning differs between the two, and the engine only ever reads
 * the canonical text re-emitted from what was reviewed (see canonical.ts). A learner who pasted a
 * non-breaking space gets told which line holds it, which is also the better lesson.
 */

export class DockerfileSyntaxError extends Error {
  readonly line: number;

  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/** The engine's bufio.Scanner refuses longer lines; the workspace caps files well above this. */
export const MAX_LINE_BYTES = 65_535;

export interface SourceLine {
  /** 1-based. */
  number: number;
  text: string;
}

/**
 * Splits the text into lines as bufio.ScanLines does (on "\n", one trailing "\r" dropped), after a
 * leading byte-order mark is removed, and refuses characters that the engine reads differently
 * from this parser.
 */
export function sourceLines(text: string): SourceLine[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const raw = body.split('\n');
  // A final "\n" ends the last line; it does not start an empty one.
  if (raw.length > 1 && raw.at(-1) === '') raw.pop();
  return raw.map((line, index) => {
    const number = index + 1;
    const textOfLine = line.endsWith('\r') ? line.slice(0, -1) : line;
    checkCharacters(textOfLine, number);
    if (Buffer.byteLength(textOfLine) > MAX_LINE_BYTES) {
      throw new DockerfileSyntaxError(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`, number);
    }
    return { number, text: textOfLine };
  });
}

const NAMED: Record<number, string> = {
  0x00a0: 'a non-breaking space (U+00A0); retype it as a plain space',
  0x200b: 'a zero-width space (U+200B); delete it',
  0xfeff: 'an invisible byte-order mark (U+FEFF); delete it',
  0x0d: 'a carriage return in the middle of a line; save the file with plain line endings',
};

function checkCharacters(line: string, number: number): void {
  for (let index = 0; index < line.length; index++) {
    const code = line.charCodeAt(index);
    if (code >= 0x20 && code < 0x7f) continue;
    if (code === 0x09) continue;
    let point = code;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = line.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        index += 1;
        point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        continue; // astral characters (emoji, CJK extensions) mean the same to both parsers
      }
    }
    const problem = problemWith(point);
    if (problem) throw new DockerfileSyntaxError(`line ${number} has ${problem}`, number);
  }
}

/**
 * Why a character outside printable ASCII can't be used, or undefined when it can. Also asked of
 * every word the canonical text writes, since a JSON escape (`\u000b`, `\n`) decodes to anything.
 */
export function problemWith(point: number): string | undefined {
  if (NAMED[point]) return NAMED[point];
  if (point >= 0xd800 && point <= 0xdfff) return 'text that is not valid Unicode; retype the line';
  const name = `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;
  if (point < 0x20 || (point >= 0x7f && point <= 0x9f)) return `a control character (${name}); delete it`;
  if (WHITESPACE.has(point)) return `an unusual space (${name}); retype it as a plain space`;
  if (isFormatCharacter(point)) return `an invisible formatting character (${name}); delete it`;
  return undefined;
}

/** Go's unicode.IsSpace beyond ASCII, less the ones handled above. */
const WHITESPACE = new Set([0x85, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);

const FORMAT = /^\p{Cf}$/u;

function isFormatCharacter(point: number): boolean {
  return FORMAT.test(String.fromCodePoint(point));
}
