import type { TtyTerminal } from './sandbox.ts';

/**
 * Reading what a terminal shows: escape sequences stripped, docker's tables split into cells, and a
 * poll for state the engine reaches on its own time (a server listening, a container running).
 */

/**
 * The end of the prompt as readline draws it: "$ " and, on a TTY, a cursor move to its column, or
 * bracketed paste switched on (which a replayed screen can end with).
 */
export const PROMPT_END = /\$ (?:\x1b\[\d+G|\x1b\[\?2004h)?$/;

/** Text without ANSI escape sequences (a window title too) and carriage returns, as a person reads the screen. */
export function plain(text: string): string {
  return text.replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[()][A-Z0-9]/g, '').replace(/\r/g, '');
}

export interface Table {
  header: string[];
  rows: Record<string, string>[];
}

/**
 * Splits a table the docker CLI's tabwriter laid out: column names are separated by at least two
 * spaces in the header, and every cell starts exactly where its column name starts. A cell that
 * starts anywhere else lands in the wrong column, so alignment is checked by reading the cells.
 */
export function parseTable(output: string): Table {
  const lines = plain(output).split('\n').filter((line) => line.length > 0);
  const headerLine = lines[0] ?? '';
  const header: string[] = [];
  const starts: number[] = [];
  for (const match of headerLine.matchAll(/\S+(?: \S+)*/g)) {
    header.push(match[0]);
    starts.push(match.index);
  }
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    header.forEach((name, column) => {
      const start = starts[column]!;
      const end = column + 1 < starts.length ? starts[column + 1]! : line.length;
      if (start > 0 && line[start - 1] !== ' ' && line.length > start) {
        throw new Error(`cell of ${name} does not start at its column in:\n${line}\n(header: ${headerLine})`);
      }
      row[name] = line.slice(start, end).trim();
    });
    return row;
  });
  return { header, rows };
}

/** Calls `attempt` until it returns a value, or throws with the last reason after `tries` tries. */
export async function eventually<T>(
  attempt: () => Promise<T | undefined>,
  { tries = 50, intervalMs = 200, what = 'the condition' } = {},
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${what} never held${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * Types a command and Enter at a TTY prompt, as a learner would, and resolves once it has ended and
 * the next prompt is drawn: with its exit status and what it printed between the typed line and the
 * next prompt (escape sequences stripped).
 */
export async function typeCommand(
  terminal: TtyTerminal,
  command: string,
  timeoutMs = 60_000,
): Promise<{ exitCode: number; output: string }> {
  const from = terminal.screen.length;
  const seen = terminal.messages.length;
  terminal.type(`${command}\r`);
  const end = await eventually(
    async () => terminal.messages.slice(seen).find((message) => message.type === 'command-end'),
    { tries: Math.ceil(timeoutMs / 20), intervalMs: 20, what: `"${command}" ending` },
  );
  await terminal.waitFor(PROMPT_END, { from });
  const screen = plain(terminal.screen.slice(from));
  const afterEcho = screen.slice(screen.indexOf('\n') + 1);
  return {
    exitCode: end.type === 'command-end' ? end.exitCode : -1,
    output: afterEcho.slice(0, afterEcho.lastIndexOf('learner@layerlab:')),
  };
}
