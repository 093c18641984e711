import type { SandboxPolicy } from '../config/policy.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import type { Session } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/store.ts';
import type { AttachTarget, CommandContext, Services, TerminalIO } from './command.ts';
import { runCommandLine } from './commands.ts';
import { complete } from './completion.ts';
import { createLineEditor, type LineEditor } from './line-editor.ts';
import { OutputGate } from './output-gate.ts';
import type { ServerMessage, TerminalMode } from './protocol.ts';
import { formatBytesShort } from '../config/units.ts';

export interface TerminalTransport {
  /** Terminal output bytes. */
  send(data: Uint8Array): void;
  control(message: ServerMessage): void;
}

export interface TerminalOptions {
  session: Session;
  engine: ScopedEngine;
  services: Services;
  store: SessionStore;
  transport: TerminalTransport;
  mode: TerminalMode;
  cols?: number;
  rows?: number;
}

const PROMPT = '\x1b[1;32mlearner@layerlab\x1b[0m:\x1b[1;34m~/workspace\x1b[0m$ ';
const CTRL_C = '\x03';
/** Cursor home and erase the screen (and scrollback), as `clear` writes them. */
const CLEARED_SCREEN = /\x1b\[H\x1b\[2J(?:\x1b\[3J)?$/;

type State = 'prompt' | 'running' | 'attached' | 'closed';

/**
 * One learner terminal: line editing at the prompt, one command at a time, Ctrl-C, and the
 * hand-over of keystrokes to a container's TTY for `run -it` and `exec -it`.
 */
export class TerminalSession {
  readonly #options: TerminalOptions;
  readonly #policy: SandboxPolicy;
  readonly #editor: LineEditor | undefined;
  #state: State = 'prompt';
  #cols: number;
  #rows: number;
  #running: AbortController | undefined;
  #attached: AttachTarget | undefined;
  #typeahead = '';
  /** The cursor is at the start of a line, so the next prompt needs no newline before it. */
  #atLineStart = true;
  #gate: OutputGate | undefined;
  #queue: string[] = [];
  /** A yes/no question is waiting: keystrokes go to the line editor while a command runs. */
  #confirming = false;

  constructor(options: TerminalOptions) {
    this.#options = options;
    options.store.terminalOpened(options.session);
    this.#policy = options.services.policy;
    this.#cols = options.cols ?? 80;
    this.#rows = options.rows ?? 24;
    if (options.mode === 'tty') {
      this.#editor = createLineEditor({
        prompt: PROMPT,
        history: options.session.record.history,
        historySize: this.#policy.terminal.historyLength,
        cols: this.#cols,
        rows: this.#rows,
        write: (data) => this.#emit(Buffer.from(data, 'utf8')),
        complete: (line) => complete(line, options.session, options.engine),
        onLine: (line) => void this.#runLine(line),
        onHistory: (history) => {
          options.session.record.history = history;
          options.store.changed();
        },
      });
    }
    options.transport.control({ type: 'ready', mode: options.mode, lessonId: options.session.record.lessonId });
    this.#editor?.prompt();
  }

  get busy(): boolean {
    return this.#state === 'running' || this.#state === 'attached';
  }

  /** Keystrokes from the client. */
  input(data: string): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'attached' && this.#attached) {
      if (!this.#attached.passCtrlC && data.includes(CTRL_C)) {
        this.#interrupt();
        return;
      }
      this.#attached.input(Buffer.from(data, 'utf8'));
      return;
    }
    if (this.#state === 'running') {
      if (data.includes(CTRL_C)) this.#interrupt();
      else if (this.#confirming) this.#feedOneLine(data);
      else this.#typeahead += data;
      return;
    }
    this.#feedOneLine(data);
  }

  /**
   * Gives the editor keystrokes up to the first Enter. Whatever follows (the rest of a pasted block)
   * waits as typeahead, as a shell reads it: line by line, each once the previous command is done.
   * Fed all at once, readline would start every line at the same time.
   */
  #feedOneLine(data: string): void {
    const enter = /\r\n?|\n/.exec(data);
    const end = enter ? enter.index + enter[0].length : data.length;
    this.#editor?.feed(data.slice(0, end));
    const rest = data.slice(end);
    if (!rest) return;
    if (this.#state === 'prompt' && !this.#confirming) this.#feedOneLine(rest); // an empty line ran nothing
    else this.#typeahead += rest;
  }

  resize(cols: number, rows: number): void {
    this.#cols = cols;
    this.#rows = rows;
    // Only a prompt (or a yes/no question) is the editor's to repaint; otherwise the command owns the screen.
    this.#editor?.resize(cols, rows, this.#state === 'prompt' || this.#confirming);
    this.#attached?.resize(cols, rows);
  }

  /**
   * A command from a button or a lines client. At a TTY prompt it is typed where the learner sees
   * it; in lines mode commands queue and run in order.
   */
  exec(command: string): void {
    if (this.#state === 'closed') return;
    if (this.#options.mode === 'lines') {
      this.#queue.push(command);
      if (this.#state === 'prompt') void this.#drainQueue();
      return;
    }
    if (this.#state !== 'prompt') {
      this.#options.transport.control({ type: 'busy', command });
      return;
    }
    this.#editor?.typeLine(command);
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#running?.abort();
    this.#state = 'closed';
    this.#editor?.close();
  }

  async #drainQueue(): Promise<void> {
    while (this.#queue.length > 0 && this.#state === 'prompt') {
      const command = this.#queue.shift()!;
      const session = this.#options.session;
      if (command.trim()) {
        session.record.history = [command, ...session.record.history.filter((line) => line !== command)].slice(
          0,
          this.#policy.terminal.historyLength,
        );
      }
      await this.#runLine(command);
    }
  }

  async #runLine(line: string): Promise<void> {
    if (this.#state === 'closed') return;
    const { session, store, transport } = this.#options;
    const command = line.trim();
    if (!command) {
      this.#editor?.prompt();
      if (this.#options.mode === 'lines') transport.control({ type: 'command-end', command: '', exitCode: 0 });
      return;
    }
    this.#state = 'running';
    this.#running = new AbortController();
    this.#gate = new OutputGate(this.#policy.terminal.outputCapBytes, this.#policy.terminal.interactiveBytesPerSecond);
    store.touch(session);
    transport.control({ type: 'command-start', command });
    let exitCode: number;
    try {
      exitCode = await runCommandLine(command, this.#context(this.#running.signal));
    } catch (error) {
      this.#write(`error: ${(error as Error).message}\n`);
      exitCode = 1;
    }
    if ((this.#state as State) === 'closed') return;
    this.#attached = undefined;
    this.#running = undefined;
    this.#state = 'prompt';
    store.touch(session);
    session.commandFinished(command, exitCode);
    transport.control({ type: 'command-end', command, exitCode });
    if (this.#editor) {
      if (!this.#atLineStart) this.#emit(Buffer.from('\r\n'));
      this.#editor.prompt();
      const typeahead = this.#typeahead;
      this.#typeahead = '';
      if (typeahead) this.input(typeahead);
    } else {
      void this.#drainQueue();
    }
  }

  #interrupt(): void {
    if (this.#running && !this.#running.signal.aborted) {
      // On a line of its own, as a shell shows it, so "build cancelled" doesn't run on after it.
      this.#emit(Buffer.from('^C\r\n'));
      this.#running.abort();
    }
  }

  #context(signal: AbortSignal): CommandContext {
    const io: TerminalIO = {
      out: (text) => this.#write(text),
      err: (text) => this.#write(text),
      raw: (data) => this.#raw(data),
      signal,
      tty: this.#options.mode === 'tty',
      size: () => ({ cols: this.#cols, rows: this.#rows }),
      attach: (target) => {
        this.#attached = target;
        this.#state = 'attached';
        // What was typed while the command started belongs to the container, as a terminal's
        // input buffer goes to the program that reads it next.
        const typeahead = this.#typeahead;
        this.#typeahead = '';
        if (typeahead) this.input(typeahead);
        return () => {
          if (this.#attached === target) {
            this.#attached = undefined;
            if (this.#state === 'attached') this.#state = 'running';
          }
        };
      },
      confirm: async (question) => {
        this.#write(`${question} [y/N] `);
        if (!this.#editor) {
          this.#write('N\n(not a terminal, so the answer is no; add -f to skip this question)\n');
          return false;
        }
        this.#confirming = true;
        try {
          const answer = await this.#editor.question(signal);
          return /^y(es)?$/i.test(answer.trim());
        } finally {
          this.#confirming = false;
        }
      },
    };
    const { session, engine, services } = this.#options;
    return { session, engine, services: { ...services, policy: services.policyFor(session) }, io };
  }

  /** Command output: "\n" becomes "\r\n" on a TTY, as a terminal's line discipline would do. */
  #write(text: string): void {
    if (!text) return;
    const converted = this.#editor ? text.replace(/\r?\n/g, '\r\n') : text;
    this.#raw(Buffer.from(converted, 'utf8'));
  }

  #raw(data: Uint8Array): void {
    const gate = this.#gate;
    if (!gate) {
      this.#emit(data);
      return;
    }
    const allowed = gate.admit(data, this.#state === 'attached');
    if (allowed.data.length > 0) this.#emit(allowed.data);
    if (allowed.notice) {
      const limit = formatBytesShort(this.#policy.terminal.outputCapBytes);
      const notice =
        allowed.notice === 'cap'
          ? `\r\n\x1b[33m[layerlab: output stopped after ${limit}; the command is still running, press Ctrl-C to stop it]\x1b[0m\r\n`
          : `\r\n\x1b[33m[layerlab: too much output at once; some was dropped]\x1b[0m\r\n`;
      this.#emit(Buffer.from(this.#editor ? notice : notice.replace(/\r\n/g, '\n').replace(/\x1b\[\d+m/g, '')));
    }
  }

  #emit(data: Uint8Array): void {
    if (data.length === 0 || this.#state === 'closed') return;
    // After a newline, or after `clear` homed the cursor on an empty screen (the prompt goes on top).
    this.#atLineStart =
      data[data.length - 1] === 10 || CLEARED_SCREEN.test(Buffer.from(data.subarray(-16)).toString('latin1'));
    this.#options.transport.send(data);
  }
}
