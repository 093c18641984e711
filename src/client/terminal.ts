/**
 * The learner's terminal: xterm.js fitted to its panel, speaking the sandbox terminal protocol
 * (docs/terminal-protocol.md) over /api/terminal. Binary frames are screen output; text frames are
 * JSON control messages. A lost socket reconnects by itself, with backoff, to the same session
 * (or a new one with the learner's files, if the old one is gone), and says so on the screen.
 */
import type { Terminal } from '@xterm/xterm';
import { dim, openSiteTerminal, socketUrl } from './xterm-setup.ts';
import type { ServerMessage } from '../../sandbox-server/terminal/protocol.ts';
import type { SessionOutcome } from './session.ts';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface TerminalOptions {
  /** Before reconnecting: make sure the session exists (it may have to be opened again). */
  ensureSession(): Promise<SessionOutcome>;
  /** Before a command runs (Enter, or a button): the server must have the latest files. */
  beforeCommand(): Promise<void>;
  onConnection(state: ConnectionState): void;
  onCommandStart(command: string): void;
  onCommandEnd(command: string, exitCode: number): void;
  onBusy(command: string): void;
  /** The shell changed the workspace: every file, as the workbench now holds them. */
  onFiles(files: Record<string, string>): void;
}

/** Raised by exec() when a command could not start. */
export class CommandNotStarted extends Error {}

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
const REPLACED_BY_ANOTHER_TERMINAL = 4000;
const SESSION_ENDED = 4001;

export class LessonTerminal {
  readonly #term: Terminal;
  readonly #options: TerminalOptions;
  #socket: WebSocket | undefined;
  #attempt = 0;
  #everOpened = false;
  #lostNoticeShown = false;
  #waitingForKey = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Outgoing frames, in order; Enter waits here until the files are saved. */
  #outgoing: Promise<void> = Promise.resolve();
  #waiters: { command: string; resolve(exitCode: number): void; reject(error: Error): void }[] = [];
  #openWaiters: (() => void)[] = [];

  constructor(host: HTMLElement, options: TerminalOptions) {
    this.#options = options;
    this.#term = openSiteTerminal(host, { label: 'Terminal input' }).term;

    this.#term.attachCustomKeyEventHandler((event) => this.#tabWayOut(event));
    this.#term.onData((data) => this.#onKeys(data));
    this.#term.onResize(({ cols, rows }) => this.#send({ type: 'resize', cols, rows }));
    this.#connect();
  }

  focus(): void {
    this.#term.focus();
  }

  /**
   * Types a command at the prompt, visibly (the Build and Run buttons), and resolves with its exit
   * code when it finishes. Rejects with CommandNotStarted if another command is still running.
   */
  async exec(command: string): Promise<number> {
    await this.#options.beforeCommand();
    await this.#whenOpen();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ command, resolve, reject });
      this.#send({ type: 'exec', command });
    });
  }

  /**
   * Tab belongs to the shell (completion), so a keyboard user leaves the terminal with Esc then
   * Tab (Shift+Tab goes back). The Esc is held until the next key: any other key reaches the shell
   * after it, exactly as typed, so Esc-prefixed readline keys still work.
   */
  #escapeHeld = false;
  #tabWayOut(event: KeyboardEvent): boolean {
    if (event.type !== 'keydown') return true;
    if (event.key === 'Escape' && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (this.#escapeHeld) this.#onKeys('\x1b');
      this.#escapeHeld = true;
      return false;
    }
    if (['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) return true;
    if (!this.#escapeHeld) return true;
    this.#escapeHeld = false;
    if (event.key === 'Tab') {
      event.preventDefault();
      moveFocus(this.#term.textarea!, event.shiftKey ? -1 : 1);
      return false;
    }
    this.#onKeys('\x1b');
    return true;
  }

  #onKeys(data: string): void {
    if (this.#waitingForKey) {
      this.#waitingForKey = false;
      this.#attempt = 0;
      this.#connect();
      return;
    }
    if (data.includes('\r')) {
      // Enter may run a docker build: let a pending editor save reach the server first.
      const ready = this.#options.beforeCommand().catch(() => undefined);
      this.#outgoing = this.#outgoing.then(() => ready);
    }
    this.#send({ type: 'stdin', data });
  }

  #send(message: object): void {
    const text = JSON.stringify(message);
    this.#outgoing = this.#outgoing.then(() => {
      if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(text);
    });
  }

  #connect(): void {
    clearTimeout(this.#reconnectTimer);
    this.#options.onConnection('connecting');
    const { cols, rows } = this.#term;
    const url = socketUrl('/api/terminal', { mode: 'tty', cols: String(cols), rows: String(rows) });
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      if (event.data instanceof ArrayBuffer) this.#term.write(new Uint8Array(event.data));
      else this.#onControl(JSON.parse(String(event.data)) as ServerMessage);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket === socket) this.#onClose(event.code);
    });
  }

  #onControl(message: ServerMessage): void {
    switch (message.type) {
      case 'ready': {
        const reconnected = this.#everOpened;
        this.#everOpened = true;
        this.#attempt = 0;
        this.#lostNoticeShown = false;
        this.#options.onConnection('open');
        // The server may have a different size in mind after a reconnect.
        this.#send({ type: 'resize', cols: this.#term.cols, rows: this.#term.rows });
        // The shell was running all along: the next frame redraws its screen as it stands.
        if (message.screen) this.#term.reset();
        else if (reconnected) this.#term.write(`\r\n${dim('[reconnected to your session]')}\r\n`);
        for (const resolve of this.#openWaiters.splice(0)) resolve();
        break;
      }
      case 'command-start':
        this.#options.onCommandStart(message.command);
        break;
      case 'command-end': {
        const index = this.#waiters.findIndex((waiter) => waiter.command === message.command);
        if (index >= 0) this.#waiters.splice(index, 1)[0]!.resolve(message.exitCode);
        this.#options.onCommandEnd(message.command, message.exitCode);
        break;
      }
      case 'busy': {
        const index = this.#waiters.findIndex((waiter) => waiter.command === message.command);
        if (index >= 0) this.#waiters.splice(index, 1)[0]!.reject(new CommandNotStarted(message.command));
        this.#options.onBusy(message.command);
        break;
      }
      case 'files':
        this.#options.onFiles(message.files);
        break;
      case 'error':
        console.warn(`terminal: ${message.message}`);
        break;
      default:
        break;
    }
  }

  #onClose(code: number): void {
    this.#options.onConnection('closed');
    // Commands typed by buttons won't report back on this socket.
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new CommandNotStarted(waiter.command));
    if (code === REPLACED_BY_ANOTHER_TERMINAL) {
      this.#term.write(`\r\n${dim('[this terminal was taken over by another tab; press any key to reconnect]')}\r\n`);
      this.#waitingForKey = true;
      return;
    }
    if (!this.#lostNoticeShown && this.#everOpened) {
      const why = code === SESSION_ENDED ? 'your session ended' : 'connection lost';
      this.#term.write(`\r\n${dim(`[${why}; reconnecting…]`)}\r\n`);
      this.#lostNoticeShown = true;
    }
    const delay = BACKOFF_MS[Math.min(this.#attempt, BACKOFF_MS.length - 1)]!;
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => void this.#reconnect(), delay);
  }

  async #reconnect(): Promise<void> {
    try {
      await this.#options.ensureSession();
    } catch {
      // The server is still away: try again later.
      this.#onClose(1006);
      return;
    }
    this.#connect();
  }

  #whenOpen(): Promise<void> {
    if (this.#socket?.readyState === WebSocket.OPEN && this.#everOpened) return Promise.resolve();
    return new Promise((resolve) => this.#openWaiters.push(resolve));
  }
}

/** Focus the next (or previous) control of the page after this one, as Tab would. */
function moveFocus(from: HTMLElement, step: 1 | -1): void {
  const focusable = [...document.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])')].filter(
    (element) => element === from || (element.offsetParent !== null && !element.closest('[hidden], [inert]')),
  );
  const at = focusable.indexOf(from);
  focusable[(at + step + focusable.length) % focusable.length]?.focus();
}
