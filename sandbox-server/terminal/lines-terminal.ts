import { ENGINE_DOWN_MESSAGE } from '../engine/errors.ts';
import type { RanCommand, Session } from '../sessions/session.ts';
import type { Workbench } from '../workbench/workbench.ts';
import { commandTooLong, type ServerMessage } from './protocol.ts';
import { Subscriptions } from './subscriptions.ts';

export interface LinesTerminalOptions {
  session: Session;
  workbench: Workbench;
  send(data: Uint8Array): void;
  control(message: ServerMessage): void;
}

/** Lines a client may send ahead of the one running; a piped script is read faster than it runs. */
const QUEUED_LINES = 1000;
/** What the kernel's cooked terminal holds of a line (4095 bytes), less the keys typed around it. */
const COOKED_LINE_MAX = 4000;

/**
 * A terminal with no screen, for a piped `layerlab shell`, `layerlab lessons check` and the
 * tests: each `exec` is one command line, typed at the session's own workbench prompt in turn (so
 * `cd`, variables and history carry from line to line, and an open browser terminal sees it
 * typed). What the command wrote goes back with `\n` line ends and no prompt or echo, then a
 * `command-end` once the workspace has been read back, as the browser hears it. Every `exec` gets
 * one `command-end`, after an `error` too.
 */
export class LinesTerminal {
  readonly #options: LinesTerminalOptions;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #closed = false;

  constructor(options: LinesTerminalOptions) {
    this.#options = options;
    options.control({ type: 'ready', mode: 'lines', lessonId: options.session.record.lessonId });
  }

  exec(command: string): void {
    if (this.#queued >= QUEUED_LINES) {
      this.#options.control({ type: 'error', message: `more than ${QUEUED_LINES} lines are waiting to run; send the next once one ends` });
      return;
    }
    this.#queued += 1;
    this.#queue = this.#queue.then(() => this.#run(command)).finally(() => (this.#queued -= 1));
  }

  /** Keystrokes go to the running command (its stdin), as in a terminal. */
  input(data: string): void {
    this.#options.workbench.input(data);
  }

  /** A lines terminal has no size; the shell keeps the one its TTY terminal gave it. */
  resize(): void {}

  close(): void {
    this.#closed = true;
  }

  async #run(command: string): Promise<void> {
    const { workbench, control } = this.#options;
    if (this.#closed) return;
    const refusal = commandRefusal(command);
    if (refusal) {
      control({ type: 'error', message: refusal });
      control({ type: 'command-end', command, exitCode: 2 });
      return;
    }
    // One line at a time in the shell, whichever lines terminal of the session sent it.
    await workbench.oneLineAtATime(() => this.#typeAndCollect(command));
  }

  async #typeAndCollect(command: string): Promise<void> {
    const { workbench, session, control } = this.#options;
    if (this.#closed) return;
    try {
      await workbench.atPrompt();
    } catch (error) {
      control({ type: 'error', message: (error as Error).message });
      control({ type: 'command-end', command, exitCode: 1 });
      return;
    }
    // A line the cooked terminal can't hold waits for readline (see Workbench.lineEditing).
    if (Buffer.byteLength(command) > COOKED_LINE_MAX) await workbench.lineEditing();
    const lineEnds = new LineEnds();
    const cap = workbench.policy.terminal.outputCapBytes;
    let sent = 0;
    let started = false;
    await new Promise<void>((resolve) => {
      const subscriptions = new Subscriptions();
      const on = subscriptions.on.bind(subscriptions);
      const finish = (message?: ServerMessage) => {
        subscriptions.clear();
        const rest = lineEnds.end();
        if (rest.length > 0) this.#options.send(rest);
        if (message) control(message);
        resolve();
      };
      on(workbench, 'command-start', () => (started = true));
      on(workbench, 'output', (data: Buffer) => {
        if (!started || sent > cap) return;
        const text = lineEnds.push(data);
        const room = cap - sent;
        sent += text.length;
        if (sent <= cap) this.#options.send(text);
        else {
          this.#options.send(text.subarray(0, room));
          this.#options.send(Buffer.from(`\n[layerlab: output cut after ${Math.round(cap / 1024)} KiB; the command runs on]\n`));
        }
      });
      // This line's end, by its number: the session's word of a command typed in a browser terminal
      // just before (its files still being read back) comes first and must not end this line.
      let ended: number | undefined;
      on(workbench, 'command-end', (_command: string, _exitCode: number, _stamp: string | undefined, sequence: number) => {
        started = false;
        ended = sequence;
      });
      const unfinishedLine = () => {
        finish({ type: 'error', message: `"${command.slice(0, 60)}" is not a whole command (an open quote, a trailing \\?); a lines terminal runs each line on its own` });
        control({ type: 'command-end', command, exitCode: 2 });
      };
      let unfinished = false;
      // The session tells of the command once its files are read back, as the browser hears it.
      on(session, 'command', (ran: RanCommand, sequence: number | undefined) => {
        if (unfinished) unfinishedLine();
        else if (ended !== undefined && sequence === ended) finish({ type: 'command-end', command: ran.line, exitCode: ran.exitCode });
      });
      on(workbench, 'more', () => {
        // Ctrl-C drops the unfinished line; bash then draws a prompt (and may keep the line in history).
        unfinished = true;
        workbench.input('\x03');
      });
      on(workbench, 'prompt', () => {
        if (unfinished) unfinishedLine();
        // Nothing ran: only spaces. (A line that ran waits for the session's word, after its files.)
        else if (!started && ended === undefined) finish({ type: 'command-end', command, exitCode: 0 });
      });
      const shellGone = (message: string) => {
        finish({ type: 'error', message });
        control({ type: 'command-end', command, exitCode: 1 });
      };
      on(workbench, 'closed', (reason: string) => shellGone(`the shell ended (${reason})`));
      on(workbench, 'away', () => shellGone(ENGINE_DOWN_MESSAGE));
      // `exit`, or bash dying of the line (a crash while parsing it): the next line gets a new shell.
      on(workbench, 'shell-ended', () => shellGone('the shell ended with this line; the next line runs in a new one'));
      if (!workbench.type(command)) shellGone('the shell was busy with another command; send the line again');
    });
  }
}

/** Why a lines terminal won't type this command, if it won't. */
function commandRefusal(command: string): string | undefined {
  const tooLong = commandTooLong(command);
  if (tooLong) return tooLong;
  if (command.includes('\n') || command.includes('\r')) return 'a lines terminal runs one line per exec; send each line on its own, or write a script and run it with bash';
  return undefined;
}

/** The TTY's `\r\n` as `\n`, also when a chunk ends between the two. */
class LineEnds {
  #carriageReturn = false;

  push(data: Buffer): Buffer {
    let text = data.toString('latin1');
    if (this.#carriageReturn) text = `\r${text}`;
    this.#carriageReturn = text.endsWith('\r');
    if (this.#carriageReturn) text = text.slice(0, -1);
    return Buffer.from(text.replaceAll('\r\n', '\n'), 'latin1');
  }

  end(): Buffer {
    const rest = this.#carriageReturn ? Buffer.from('\r') : Buffer.alloc(0);
    this.#carriageReturn = false;
    return rest;
  }
}
