import type { CommandLine, Instruction } from './instructions.ts';
import { continuation } from './parser.ts';
import { DockerfileSyntaxError, MAX_LINE_BYTES } from './source.ts';
import { serializeWord, UnwritableWordError, type Word } from './words.ts';

/**
 * The one spelling the engine is given: each instruction on one line, no directives (so the
 * default escape token), no continuations, no comments, every expanded word written by
 * serializeWord, lists that hold blanks in JSON form. Parsing this text with the engine's parser
 * gives back the instructions it was written from, which is what makes the review's reading and
 * the engine's the same.
 */

/** What the review decided for a FROM line: a pinned image ID, an earlier stage, or scratch. */
export type FromTarget = string;

export function canonicalLine(instruction: Instruction, from?: FromTarget): string {
  let line: string;
  try {
    line = render(instruction, from);
  } catch (error) {
    if (error instanceof UnwritableWordError) throw new DockerfileSyntaxError(error.message, instruction.line);
    throw error;
  }
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) {
    throw new DockerfileSyntaxError(`the instruction is longer than the ${MAX_LINE_BYTES} bytes the engine reads on one line`, instruction.line);
  }
  return line;
}

function render(instruction: Instruction, from?: FromTarget): string {
  const { keyword } = instruction;
  switch (instruction.kind) {
    case 'FROM':
      if (from === undefined) throw new Error('a FROM line is written with the base the review chose');
      return `${keyword} ${from}${instruction.stage ? ` AS ${instruction.stage}` : ''}`;
    case 'ARG':
      return `${keyword} ${instruction.args.map(({ key, value }) => key_(key, instruction.line) + (value ? `=${serializeWord(value)}` : '')).join(' ')}`;
    case 'ENV':
    case 'LABEL':
      return `${keyword} ${instruction.pairs.map(({ key, value }) => `${key_(key, instruction.line)}=${serializeWord(value)}`).join(' ')}`;
    case 'ADD':
    case 'COPY': {
      const flags = [
        instruction.chown ? `--chown=${flagValue(serializeWord(instruction.chown))}` : undefined,
        instruction.from !== undefined ? `--from=${flagValue(instruction.from)}` : undefined,
      ].filter(Boolean);
      return `${keyword} ${[...flags, list([...instruction.sources, instruction.destination])].join(' ')}`;
    }
    case 'VOLUME':
      return `${keyword} ${list(instruction.volumes)}`;
    case 'EXPOSE':
      return `${keyword} ${instruction.ports
        .map((port) => {
          const text = serializeWord(port);
          // EXPOSE splits its words on blanks itself, quoted or not, so a blank can't be spelled.
          if (/[ \t]/.test(text)) throw new DockerfileSyntaxError(`EXPOSE ${text}: a port can't contain a space`, instruction.line);
          return text;
        })
        .join(' ')}`;
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
      return `${keyword} ${guardFlags(serializeWord(instruction.value))}`;
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
      return `${keyword} ${commandLine(instruction.command, instruction.line)}`;
    case 'SHELL':
      return `${keyword} ${JSON.stringify(instruction.shell)}`;
    case 'MAINTAINER':
      return `${keyword} ${verbatim(instruction.text, instruction.line)}`;
    case 'HEALTHCHECK': {
      if (instruction.none) return `${keyword} NONE`;
      const options = [...instruction.options].map(([name, value]) => `--${name}=${flagValue(value)}`);
      return `${keyword} ${[...options, `CMD ${commandLine(instruction.command, instruction.line)}`].join(' ')}`;
    }
    case 'ONBUILD':
      return `${keyword} ${render(instruction.trigger)}`;
  }
}

/** ENV, LABEL and ARG split each word at its first "=", so a key can't hold one. */
function key_(word: Word, line: number): string {
  const text = serializeWord(word);
  if (text.includes('=')) throw new DockerfileSyntaxError(`the name ${text} can't contain "="`, line);
  return text;
}

/** Sources and destination: plain words when none holds a blank, else a JSON array. */
function list(words: Word[]): string {
  const texts = words.map(serializeWord);
  if (texts.some((text) => /[ \t]/.test(text))) return JSON.stringify(texts);
  return texts.join(' ');
}

function commandLine(command: CommandLine, line: number): string {
  if ('exec' in command) {
    if (command.exec.some((arg) => arg.includes('\0'))) throw new DockerfileSyntaxError('a command argument contains a NUL character', line);
    return JSON.stringify(command.exec);
  }
  return verbatim(command.shell, line);
}

/**
 * Text the builder does not expand (a shell-form RUN, MAINTAINER): written as it was read. It
 * must not start a flag and must not end in the escape token, which would join the next line.
 */
function verbatim(text: string, line: number): string {
  if (continuation(text, '\\').continues) {
    throw new DockerfileSyntaxError('the instruction ends with a backslash, which would continue it onto the next line; remove it', line);
  }
  return guardFlags(text);
}

/** A lone "--" ends the builder flags, so text that starts with "--" stays text. */
function guardFlags(text: string): string {
  return text.startsWith('--') ? `-- ${text}` : text;
}

/** A flag value as extractBuilderFlags reads it back: backslash before quotes, blanks and backslashes. */
function flagValue(text: string): string {
  let out = '';
  for (const ch of text) out += ch === '\\' || ch === "'" || ch === '"' || ch === ' ' || ch === '\t' ? `\\${ch}` : ch;
  return out;
}
