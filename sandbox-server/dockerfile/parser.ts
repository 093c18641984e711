import { DockerfileSyntaxError, sourceLines } from './source.ts';
import { goQuote } from './words.ts';

/**
 * The engine's Dockerfile parser: buildkit's frontend/dockerfile/parser as vendored in Docker
 * 20.10, the one the classic builder uses. It is ported line for line rather than replaced by a
 * friendlier parser, because the sandbox's review must see the instructions the engine will run:
 * directives, the escape token, line continuations (and the comments and blank lines inside them),
 * JSON arrays decoded as Go decodes them (trailing text ignored), ONBUILD triggers. Docker 20.10
 * has no heredocs: a `RUN <<EOF` body is read as instructions, and so it is here.
 */

export interface DockerfileNode {
  /** The instruction as the engine dispatches it, lowercased ("add"), or the unknown word. */
  command: string;
  /** The keyword as written ("ADD", "add"). */
  keyword: string;
  /** Builder flags in front of the arguments, quotes and escapes already applied ("--from=build"). */
  flags: string[];
  /** The arguments as the line parser leaves them (quotes and variables are the lexer's job). */
  args: string[];
  /** The arguments came from a JSON array. */
  json: boolean;
  /** The instruction's text once continuation lines are joined. */
  original: string;
  /** 1-based lines of the file this instruction spans. */
  startLine: number;
  endLine: number;
  /** ONBUILD's trigger instruction. */
  trigger?: DockerfileNode;
}

export interface ParsedDockerfile {
  nodes: DockerfileNode[];
  escapeToken: string;
  /** `# syntax=` and the like, which the classic builder ignores. */
  directives: Map<string, string>;
  warnings: string[];
}

const VALID_DIRECTIVES = new Set(['escape', 'syntax']);
/** Each instruction is a build step (a container and a commit); real Dockerfiles have tens. */
export const MAX_INSTRUCTIONS = 500;

class Directives {
  escapeToken = '\\';
  done = false;
  readonly seen = new Map<string, string>();

  /** possibleParserDirective: directives count only before anything else, once each. */
  consider(line: string): void {
    if (this.done) return;
    const directive = readDirective(line);
    if (!directive) {
      this.done = true;
      return;
    }
    const key = directive.name.toLowerCase();
    if (!VALID_DIRECTIVES.has(key)) {
      this.done = true;
      return;
    }
    if (this.seen.has(key)) throw new Error(`only one ${key} parser directive can be used`);
    this.seen.set(key, directive.value);
    if (key === 'escape') {
      if (directive.value !== '`' && directive.value !== '\\') {
        throw new Error(`invalid escape token '${directive.value}' does not match \` or \\`);
      }
      this.escapeToken = directive.value;
    }
  }
}

const isBlank = (ch: string | undefined) => ch === ' ' || ch === '\t';

/** `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, read by hand (only spaces and tabs reach here). */
function readDirective(line: string): { name: string; value: string } | undefined {
  if (line[0] !== '#') return undefined;
  let index = 1;
  while (isBlank(line[index])) index++;
  const nameStart = index;
  if (!/^[a-zA-Z]$/.test(line[index] ?? '')) return undefined;
  while (index < line.length && /^[a-zA-Z0-9]$/.test(line[index]!)) index++;
  const name = line.slice(nameStart, index);
  while (isBlank(line[index])) index++;
  if (line[index] !== '=') return undefined;
  const afterEquals = line.slice(index + 1);
  if (afterEquals === '') return undefined;
  const value = trim(afterEquals);
  // All blank: the lazy group still takes one character, the last blank.
  return { name, value: value === '' ? afterEquals.at(-1)! : value };
}

/** Lines whose first non-blank character is "#". */
function isComment(line: string): boolean {
  return trimLeft(line).startsWith('#');
}

function trimLeft(text: string): string {
  let index = 0;
  while (isBlank(text[index])) index++;
  return text.slice(index);
}

function trim(text: string): string {
  let end = text.length;
  while (end > 0 && isBlank(text[end - 1])) end--;
  return trimLeft(text.slice(0, end));
}

/** reWhitespace.Split(text, limit) for text with only spaces and tabs as whitespace. */
function splitBlanks(text: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let start = 0;
  let index = 0;
  while (index < text.length && parts.length < limit - 1) {
    if (isBlank(text[index])) {
      parts.push(text.slice(start, index));
      while (isBlank(text[index])) index++;
      start = index;
    } else {
      index++;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * The escape token as the last non-blank character continues the line, unless it is escaped
 * itself. The engine's regex, `([^\\])\\[ \t]*$|^\\[ \t]*$`, read by hand.
 */
export function continuation(line: string, escapeToken: string): { text: string; continues: boolean } {
  let end = line.length;
  while (end > 0 && isBlank(line[end - 1])) end--;
  if (end > 0 && line[end - 1] === escapeToken && (end === 1 || line[end - 2] !== escapeToken)) {
    return { text: line.slice(0, end - 1), continues: true };
  }
  return { text: line, continues: false };
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = sourceLines(text);
  const directives = new Directives();
  const nodes: DockerfileNode[] = [];
  const warnings: string[] = [];

  const processLine = (raw: string, stripLeft: boolean, number: number): string => {
    const token = stripLeft ? trimLeft(raw) : raw;
    try {
      directives.consider(token);
    } catch (error) {
      throw new DockerfileSyntaxError((error as Error).message, number);
    }
    return token.startsWith('#') ? '' : token;
  };

  let index = 0;
  while (index < lines.length) {
    const first = lines[index++]!;
    const startLine = first.number;
    let endLine = startLine;
    let { text: line, continues } = continuation(processLine(first.text, true, first.number), directives.escapeToken);
    if (!continues && line === '') continue;

    let emptyContinuation = false;
    while (continues && index < lines.length) {
      const next = lines[index++]!;
      const processed = processLine(next.text, false, next.number);
      endLine = next.number;
      if (isComment(next.text)) continue;
      if (trimLeft(processed) === '') {
        emptyContinuation = true;
        continue;
      }
      const piece = continuation(processed, directives.escapeToken);
      line += piece.text;
      continues = piece.continues;
    }
    if (emptyContinuation) warnings.push(`[WARNING]: Empty continuation line found in:\n    ${line}`);
    nodes.push(nodeFromLine(line, directives.escapeToken, startLine, endLine, 0));
  }
  if (nodes.length === 0) throw new DockerfileSyntaxError('file with no instructions', Math.max(1, lines.length));
  if (nodes.length > MAX_INSTRUCTIONS) {
    throw new DockerfileSyntaxError(`the Dockerfile has ${nodes.length} instructions; at most ${MAX_INSTRUCTIONS} are built here`, nodes[MAX_INSTRUCTIONS]!.startLine);
  }
  return { nodes, escapeToken: directives.escapeToken, directives: directives.seen, warnings };
}

function nodeFromLine(line: string, escapeToken: string, startLine: number, endLine: number, depth: number): DockerfileNode {
  const fail = (message: string): never => {
    throw new DockerfileSyntaxError(message, startLine);
  };
  const [keyword = '', rest] = splitBlanks(trim(line), 2);
  const { args: argumentText, flags } = rest === undefined ? { args: '', flags: [] } : extractBuilderFlags(rest, fail);
  // Go's strings.ToLower folds some non-ASCII letters into ASCII ones (K for the Kelvin sign);
  // such a keyword is left unknown here, so the engine never sees it.
  const command = /^[A-Za-z]+$/.test(keyword) ? keyword.toLowerCase() : keyword;
  const argsText = trim(argumentText);
  const node: DockerfileNode = { command, keyword, flags, args: [], json: false, original: line, startLine, endLine };
  try {
    switch (command) {
      case 'add':
      case 'copy':
      case 'volume':
        Object.assign(node, maybeJsonToList(argsText));
        break;
      case 'arg':
        node.args = parseWords(argsText, escapeToken);
        break;
      case 'cmd':
      case 'entrypoint':
      case 'run':
      case 'shell':
        Object.assign(node, maybeJson(argsText));
        break;
      case 'env':
      case 'label':
        node.args = parseNameValue(argsText, command.toUpperCase(), escapeToken);
        break;
      case 'expose':
      case 'from':
        node.args = argsText === '' ? [] : splitBlanks(argsText);
        break;
      case 'healthcheck':
        Object.assign(node, healthcheck(argsText));
        break;
      case 'maintainer':
      case 'stopsignal':
      case 'user':
      case 'workdir':
        node.args = argsText === '' ? [] : [argsText];
        break;
      case 'onbuild':
        if (argsText !== '') {
          // Nesting deeper than ONBUILD ONBUILD is refused later anyway; stop before recursing far.
          if (depth >= 1 && /^onbuild$/i.test(splitBlanks(argsText, 2)[0]!)) fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
          node.trigger = nodeFromLine(argsText, escapeToken, startLine, endLine, depth + 1);
          node.args = [node.trigger.command, ...node.trigger.args];
        }
        break;
      default:
        break; // unknown instructions keep no arguments; ParseInstruction refuses them
    }
  } catch (error) {
    if (error instanceof DockerfileSyntaxError) throw error;
    fail((error as Error).message);
  }
  return node;
}

/**
 * extractBuilderFlags: leading words that start with "--", with quotes and backslashes applied
 * (always the backslash, whatever the escape token), up to the first other word or a lone "--".
 */
function extractBuilderFlags(line: string, fail: (message: string) => never): { args: string; flags: string[] } {
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOk = false;
  for (let pos = 0; pos <= line.length; pos++) {
    let ch = pos < line.length ? line[pos]! : '';
    if (ch.charCodeAt(0) >= 0x80) fail('builder flags like --from must be plain ASCII');
    if (phase === 'spaces') {
      if (pos === line.length) break;
      if (isBlank(ch)) continue;
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return { args: line.slice(pos), flags };
      phase = 'word';
    }
    if (pos === line.length) {
      if (word !== '--' && (blankOk || word.length > 0)) flags.push(word);
      break;
    }
    if (phase === 'word') {
      if (isBlank(ch)) {
        phase = 'spaces';
        if (word === '--') return { args: line.slice(pos), flags };
        if (blankOk || word.length > 0) flags.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === line.length) {
        phase = 'word';
        continue;
      }
      pos++;
      ch = line[pos]!;
    }
    word += ch;
  }
  return { args: '', flags };
}

/** parseWords: words split on blanks outside quotes; quotes and escapes stay for the lexer. */
export function parseWords(rest: string, escapeToken: string): string[] {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOk = false;
  const chars = [...rest];
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = chars[pos] ?? '';
    if (phase === 'spaces') {
      if (pos === chars.length) break;
      if (isBlank(ch)) continue;
      phase = 'word';
    }
    if (pos === chars.length) {
      if (blankOk || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isBlank(ch)) {
        phase = 'spaces';
        if (blankOk || word.length > 0) words.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos]!;
    }
    word += ch;
  }
  return words;
}

/** ENV and LABEL: `KEY value…` (the old form, when the first word has no "=") or `k=v k2=v2`. */
function parseNameValue(rest: string, keyword: string, escapeToken: string): string[] {
  const words = parseWords(rest, escapeToken);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) {
    const parts = splitBlanks(rest, 2);
    if (parts.length < 2) throw new Error(`${keyword} must have two arguments`);
    return [parts[0]!, parts[1]!];
  }
  return words.flatMap((word) => {
    const equals = word.indexOf('=');
    if (equals < 0) throw new Error(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    return [word.slice(0, equals), word.slice(equals + 1)];
  });
}

const NOT_STRINGS = 'when using JSON array syntax, arrays must be comprised of strings only';

/** parseJSON: the first JSON value of the text, as Go's json.Decoder reads it; trailing text is ignored. */
function parseJson(rest: string): string[] | undefined {
  const text = trimLeft(rest);
  if (!text.startsWith('[')) return undefined;
  const end = jsonValueEnd(text);
  if (end < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(0, end));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new Error(NOT_STRINGS);
  for (const item of value as string[]) {
    // Go decodes a lone surrogate escape to U+FFFD; JavaScript keeps it. Neither is a real path.
    if (/[\uD800-\uDFFF]/.test(item.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) {
      throw new Error('a JSON string here holds a \\u escape that is not valid Unicode');
    }
  }
  return value as string[];
}

function maybeJson(rest: string): Pick<DockerfileNode, 'args' | 'json'> {
  if (rest === '') return { args: [], json: false };
  const json = parseJson(rest);
  return json ? { args: json, json: true } : { args: [rest], json: false };
}

function maybeJsonToList(rest: string): Pick<DockerfileNode, 'args' | 'json'> {
  const json = parseJson(rest);
  if (json) return { args: json, json: true };
  return { args: rest === '' ? [] : splitBlanks(rest), json: false };
}

function healthcheck(rest: string): Pick<DockerfileNode, 'args' | 'json'> {
  let separator = 0;
  while (separator < rest.length && !isBlank(rest[separator])) separator++;
  if (separator === 0) return { args: [], json: false };
  let next = separator;
  while (next < rest.length && isBlank(rest[next])) next++;
  const command = maybeJson(rest.slice(next));
  return { args: [rest.slice(0, separator), ...command.args], json: command.json };
}

/**
 * Where the first JSON value in `text` (which starts with "[") would end: the bracket that brings
 * the depth back to zero, outside strings. Only that spot can end a valid value, and JSON.parse
 * then decides whether it is one, so no structure is judged here.
 */
export function jsonValueEnd(text: string): number {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const ch = text[index];
    if (inString) {
      if (ch === '\\') index++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return index + 1;
    }
  }
  return -1;
}
