/**
 * The instructor's read-only view of a learner's terminal: the watch WebSocket sends the screen as
 * it stands and then the live output, like /api/terminal in tty mode (docs/terminal-protocol.md).
 * Nothing is ever sent back: no keystrokes (xterm's input is off, and nothing listens to it) and no
 * resize, so watching never changes the learner's terminal. It mirrors the learner's size when the
 * server says it. Loaded with xterm only when a learner's panel opens.
 */
import type { ServerMessage } from '../../../sandbox-server/terminal/protocol.ts';
import { dim, openSiteTerminal, socketUrl, type SiteTerminal } from '../xterm-setup.ts';


export class WatchTerminal {
  readonly #terminal: SiteTerminal;
  readonly #path: string;
  #socket: WebSocket | undefined;
  #open = false;

  constructor(host: HTMLElement, path: string, label: string) {
    this.#path = path;
    this.#terminal = openSiteTerminal(host, { label, disableStdin: true, cursorBlink: false, scrollback: 2000 });
    this.connect();
  }

  /** (Re)connects, when the learner opens a terminal again, say. */
  connect(): void {
    if (this.#open) return;
    this.#socket?.close();
    const socket = new WebSocket(socketUrl(this.#path));
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      if (event.data instanceof ArrayBuffer) this.#terminal.term.write(new Uint8Array(event.data));
      else this.#onControl(JSON.parse(String(event.data)) as ServerMessage);
    });
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) return;
      if (this.#open) this.#terminal.term.write(`\r\n${dim('[the learner’s terminal closed]')}\r\n`);
      this.#open = false;
    });
  }

  get watching(): boolean {
    return this.#open;
  }

  dispose(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close();
    this.#terminal.stopFitting();
    this.#terminal.term.dispose();
  }

  #onControl(message: ServerMessage): void {
    const term = this.#terminal.term;
    if (message.type === 'ready') {
      this.#open = true;
      if (message.screen) term.reset();
      const { cols, rows } = message;
      if (cols !== undefined && rows !== undefined && cols >= 2 && rows >= 1) {
        this.#terminal.stopFitting();
        term.resize(Math.min(cols, 500), Math.min(rows, 200));
      }
    } else if (message.type === 'error') {
      term.write(`${dim(`[${message.message}]`)}\r\n`);
    }
  }
}
