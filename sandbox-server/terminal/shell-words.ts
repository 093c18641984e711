import { parse } from 'shell-quote';

export class ShellSyntaxError extends Error {}

const OPERATOR_ADVICE = new Map([
  ['|', 'pipes (|) aren\'t available in this terminal; run each command on its own'],
  ['>', 'redirects (>) aren\'t available in this terminal; edit files in the editor instead'],
  ['>>', 'redirects (>>) aren\'t available in this terminal; edit files in the editor instead'],
  ['<', 'redirects (<) aren\'t available in this terminal'],
  ['&&', 'this terminal runs one command per line; type the next one after this finishes'],
  ['||', 'this terminal runs one command per line; type the next one after this finishes'],
  [';', 'this terminal runs one command per line; type the next one after this finishes'],
  ['&', 'background jobs (&) aren\'t available; use docker run -d to run a container in the background'],
]);

/**
 * Splits a command line into words with shell quoting rules. Variables stay as typed ($HOME is
 * passed on for the container's shell to expand), globs stay literal, and operators get a sentence
 * saying why they don't work here.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  for (const entry of parse(line, (name) => `$${name}`)) {
    if (typeof entry === 'string') {
      words.push(entry);
    } else if ('comment' in entry) {
      break;
    } else if ('pattern' in entry) {
      words.push(entry.pattern);
    } else if ('op' in entry) {
      throw new ShellSyntaxError(OPERATOR_ADVICE.get(entry.op) ?? `"${entry.op}" isn't available in this terminal`);
    }
  }
  return words;
}
