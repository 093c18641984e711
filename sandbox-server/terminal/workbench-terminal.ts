import type { RanCommand, Session } from '../sessions/session.ts';
import { filesToObject } from '../sessions/workspace.ts';
import type { Workbench } from '../workbench/workbench.ts';
import { commandTooLong, type ServerMessage } from './protocol.ts';
import { Subscriptions } from './subscriptions.ts';

export interface WorkbenchTerminalOptions {
  session: Session;
  workbench: Workbench;
  cols: number;
  rows: number;
  send(data: Uint8Array): void;
  control(message: ServerMessage): void;
}

/**
 * One browser terminal on a session's workbench shell: the screen as it stands first, then the
 * shell's output as it comes, keystrokes and the window size back to the shell. The shell belongs
 * to the workbench, not to this socket: closing the socket leaves it running.
 */
export class WorkbenchTerminal {
  readonly #options: WorkbenchTerminalOptions;
  readonly #subscriptions = new Subscriptions();

  private constructor(options: WorkbenchTerminalOptions) {
    this.#options = options;
  }

  static async open(options: WorkbenchTerminalOptions): Promise<WorkbenchTerminal> {
    const terminal = new WorkbenchTerminal(options);
    const { session, workbench } = options;
    workbench.resize(options.cols, options.rows);
    // Subscribed before the screen is read, so no output falls between the two.
    const held: Buffer[] = [];
    let screenSent = false;
    terminal.#subscriptions.on(workbench, 'output', (data: Buffer) => (screenSent ? options.send(data) : held.push(data)));
    terminal.#subscriptions.on(session, 'command-start', (command: string) => options.control({ type: 'command-start', command }));
    terminal.#subscriptions.on(workbench, 'closed', () => options.control({ type: 'error', message: 'the shell ended; reload the page for a new one' }));
    terminal.#subscriptions.on(session, 'command', (ran: RanCommand) => options.control({ type: 'command-end', command: ran.line, exitCode: ran.exitCode }));
    terminal.#subscriptions.on(session, 'files', () => options.control({ type: 'files', files: filesToObject(session.files) }));
    const screen = await workbench.screen();
    options.control({ type: 'ready', mode: 'tty', lessonId: session.record.lessonId, screen: true });
    if (screen) options.send(Buffer.from(screen, 'utf8'));
    screenSent = true;
    for (const data of held.splice(0)) options.send(data);
    return terminal;
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
