/**
 * Every container here runs under an init process (HostConfig.Init: docker-init, which is tini) that
 * the learner never asked for. These helpers keep its traces out of what the terminal shows, so the
 * output is what plain `docker run` would print.
 */

const TINI_EXEC_FAILED = /^\[FATAL tini \(\d+\)\] exec (.+) failed: (No such file or directory|Permission denied)\r?\n?$/;

/**
 * A command missing from the image makes plain docker fail to start the container, with the
 * engine's message; under init, the container starts and tini prints its own line instead. This turns
 * that line back into the engine's message (tini's exit code, 127 or 126, already matches docker's).
 */
export function translateInitFailure(text: string): string | undefined {
  const match = TINI_EXEC_FAILED.exec(text);
  if (!match) return undefined;
  const [, command, reason] = match as unknown as [string, string, string];
  const cause =
    reason === 'Permission denied'
      ? 'permission denied'
      : command.includes('/')
        ? `stat ${command}: no such file or directory`
        : 'executable file not found in $PATH';
  return `docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${command}": ${cause}: unknown.\n`;
}

const TINI_MARKER = Buffer.from('[FATAL tini');
/** tini's line is short; anything longer is the program's own output. */
const HOLD_AT_MOST = 1024;

/**
 * Watches the start of a container's output stream for tini's "exec failed" line, which tini may
 * write in two pieces, and holds it back until the line is whole: then it goes on translated, or
 * untouched if it was something else. After the first line everything passes straight through.
 */
export class InitFailureFilter {
  readonly #pass: (data: Buffer) => void;
  readonly #translated: (text: string) => void;
  #pending = Buffer.alloc(0);
  #decided = false;

  constructor(pass: (data: Buffer) => void, translated: (text: string) => void) {
    this.#pass = pass;
    this.#translated = translated;
  }

  push(data: Uint8Array): void {
    if (this.#decided) {
      this.#pass(Buffer.from(data));
      return;
    }
    this.#pending = Buffer.concat([this.#pending, data]);
    const pending = this.#pending;
    const newline = pending.indexOf(0x0a);
    const couldBeTini = pending.subarray(0, TINI_MARKER.length).equals(TINI_MARKER.subarray(0, Math.min(pending.length, TINI_MARKER.length)));
    if (couldBeTini && newline < 0 && pending.length < HOLD_AT_MOST) return;
    this.#decided = true;
    this.#pending = Buffer.alloc(0);
    const text = couldBeTini && newline >= 0 ? translateInitFailure(pending.subarray(0, newline + 1).toString('utf8')) : undefined;
    if (!text) {
      this.#pass(pending);
      return;
    }
    this.#translated(text);
    if (newline + 1 < pending.length) this.#pass(pending.subarray(newline + 1));
  }

  /** The stream ended: whatever was held back goes out as it was. */
  flush(): void {
    this.#decided = true;
    if (this.#pending.length > 0) this.#pass(this.#pending);
    this.#pending = Buffer.alloc(0);
  }
}

/** Where the engine mounts docker-init: /sbin, or /usr/sbin in merged-/usr images. */
const INIT_BINARY = /^(?:\/usr)?\/sbin\/docker-init$/;

/**
 * `docker diff` without the init binary's mount point and the folders the engine created or touched
 * only to hold it ("A /sbin" in busybox, "C /usr/sbin" in Debian).
 */
export function withoutInitChanges<T extends { Path: string }>(changes: T[]): T[] {
  const hidden = new Set(changes.filter((change) => INIT_BINARY.test(change.Path)).map((change) => change.Path));
  if (hidden.size === 0) return changes;
  for (const path of hidden) {
    for (let folder = parentOf(path); folder !== '/'; folder = parentOf(folder)) {
      const other = changes.some(
        (change) => change.Path.startsWith(`${folder}/`) && !hidden.has(change.Path) && !INIT_BINARY.test(change.Path),
      );
      if (other) break;
      hidden.add(folder);
    }
  }
  return changes.filter((change) => !hidden.has(change.Path));
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
