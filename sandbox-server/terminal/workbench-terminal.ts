import type { RanCommand, Session } from '../sessions/session.ts';
import { filesToObject } from '../sessions/workspace.ts';
import type { Workbench } from '../workbench/workbench.ts';
import { commandTooLong, type ServerMessage } from './protocol.ts';
import { Subscriptions } from './subscriptions.ts';

/** What a view of the shell needs: where it is, and where its screen and events go. */
export interface ScreenViewOptions {
  session: Session;
  workbench: Workbench;
  send(data: Uint8Array): void;
  control(message: ServerMessage): void;
}

export interface WorkbenchTerminalOptions extends ScreenViewOptions {
  cols: number;
  rows: number;
}

/** A view that only watches: it can be closed, and it has no way to type or resize. */
export interface WatchedTerminal {
  close(): void;
}

/**
 * One browser terminal on a session's workbench shell: the screen as it stands first, then the
 * shell's output as it comes, keystrokes and the window size back to the shell. The shell belongs
 * to the workbench, not to this socket: closing the socket leaves it running.
 */
export class WorkbenchTerminal {
  readonly #options: ScreenViewOptions;
  readonly #subscriptions = new Subscriptions();

  private constructor(options: ScreenViewOptions) {
    this.#options = options;
  }

  static async open(options: WorkbenchTerminalOptions): Promise<WorkbenchTerminal> {
    options.workbench.resize(options.cols, options.rows);
    const terminal = new WorkbenchTerminal(options);
    await terminal.#stream();
    return terminal;
  }

  /**
   * The same screen and events for someone looking over the learner's shoulder (the class
   * dashboard): the learner's window size stays, and nothing the watcher does reaches the shell.
   */
  static async watch(options: ScreenViewOptions): Promise<WatchedTerminal> {
    const terminal = new WorkbenchTerminal(options);
    await terminal.#stream();
    return { close: () => terminal.close() };
  }

  async #stream(): Promise<void> {
    const options = this.#options;
    const { session, workbench } = options;
    // Subscribed before the screen is read, so no output falls between the two.
    const held: Buffer[] = [];
    let screenSent = false;
    this.#subscriptions.on(workbench, 'output', (data: Buffer) => (screenSent ? options.send(data) : held.push(data)));
    this.#subscriptions.on(session, 'command-start', (command: string) => options.control({ type: 'command-start', command }));
    this.#subscriptions.on(workbench, 'closed', () => options.control({ type: 'error', message: 'the shell ended; reload the page for a new one' }));
    this.#subscriptions.on(session, 'command', (ran: RanCommand) => options.control({ type: 'command-end', command: ran.line, exitCode: ran.exitCode }));
    this.#subscriptions.on(session, 'files', () => options.control({ type: 'files', files: filesToObject(session.files) }));
    const screen = await workbench.screen();
    options.control({ type: 'ready', mode: 'tty', lessonId: session.record.lessonId, screen: true, ...workbench.size });
    if (screen) options.send(Buffer.from(screen, 'utf8'));
    screenSent = true;
    for (const data of held.splice(0)) options.send(data);
  }

  input(data: string): void {
    this.#options.workbench.input(data);
  }

  resize(cols: number, rows: number): void {
    this.#options.workbench.resize(cols, rows);
  }

  /** A button's command: typed at the prompt, or `busy` when a command is still running. */
  exec(command: string): void {
    const tooLong = commandTooLong(command);
    if (tooLong) {
      this.#options.control({ type: 'error', message: tooLong });
      return;
    }
    if (!this.#options.workbench.type(command)) this.#options.control({ type: 'busy', command });
  }

  close(): void {
    this.#subscriptions.clear();
  }
}
