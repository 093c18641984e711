import type { ScopedEngine } from '../scope/scoped-engine.ts';
import type { Session } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/store.ts';
import type { Services } from './command.ts';
import { TerminalSession } from './terminal-session.ts';

export interface HeadlessResult {
  output: string;
  exitCode: number;
}

/**
 * A lines-mode terminal with no socket: what `layerlab lessons check` types a lesson's commands
 * into, through exactly the path a learner's terminal takes.
 */
export class HeadlessTerminal {
  readonly #terminal: TerminalSession;
  #output: Buffer[] = [];
  #waiting: ((exitCode: number) => void) | undefined;

  constructor(options: { session: Session; engine: ScopedEngine; services: Services; store: SessionStore }) {
    this.#terminal = new TerminalSession({
      ...options,
      mode: 'lines',
      transport: {
        send: (data) => this.#output.push(Buffer.from(data)),
        control: (message) => {
          if (message.type === 'command-end') this.#waiting?.(message.exitCode);
        },
      },
    });
  }

  run(command: string): Promise<HeadlessResult> {
    this.#output = [];
    return new Promise((resolve) => {
      this.#waiting = (exitCode) => {
        this.#waiting = undefined;
        resolve({ output: Buffer.concat(this.#output).toString('utf8'), exitCode });
      };
      this.#terminal.exec(command);
    });
  }

  close(): void {
    this.#terminal.close();
  }
}
