import type { YAMLError } from 'yaml';

/**
 * A YAML parse error as a place and a sentence: the line in the author's file (`lineOffset` lines
 * come before the YAML, like a frontmatter's opening ---), and the parser's whole message without
 * its own "at line …" (the line is given once, as `file:line`) or the code frame after it.
 */
export function yamlErrorPlace(error: YAMLError, lineOffset = 0): { line: number | undefined; message: string } {
  const line = error.linePos?.[0].line;
  const [first = ''] = error.message.split('\n');
  const at = first.lastIndexOf(' at line ');
  const message = (at >= 0 ? first.slice(0, at) : first).replace(/:$/, '');
  return { line: line === undefined ? undefined : line + lineOffset, message };
}

/** `file:line: this is not valid YAML (what the parser says)`, for a YAML file an author or operator wrote. */
export function yamlErrorSentence(file: string, error: YAMLError, lineOffset = 0): string {
  const { line, message } = yamlErrorPlace(error, lineOffset);
  return `${file}${line ? `:${line}` : ''}: this is not valid YAML (${message})`;
}
