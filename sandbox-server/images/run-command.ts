import { spawn } from 'node:child_process';

/** How much of a failed command's output is kept to explain the failure. */
const KEPT_OUTPUT_LINES = 40;

export interface RunCommandOptions {
  /** Name used in the error, e.g. 'debootstrap'. */
  what: string;
  /** Picks the line that explains a failure; defaults to the last line of output. */
  explain?: (lines: string[]) => string | undefined;
}

/**
 * Runs a host command and resolves when it exits 0. Rejects with one sentence:
 * "<what> failed: <the line that says why>". Output is kept only as a short tail, since
 * tools like debootstrap print thousands of lines.
 */
export function runCommand(command: string, args: string[], options: RunCommandOptions): Promise<void> {
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      tail.push(trimmed);
      if (tail.length > KEPT_OUTPUT_LINES) tail.shift();
    }
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? `${command} is not installed` : error.message;
      reject(new Error(`${options.what} failed: ${why}`));
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const why =
        options.explain?.(tail) ?? tail.at(-1) ?? (signal ? `killed by ${signal}` : `exit status ${code}`);
      reject(new Error(`${options.what} failed: ${why}`));
    });
  });
}
