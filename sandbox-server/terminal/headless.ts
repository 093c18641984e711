import type { Session } from '../sessions/session.ts';
import type { Workbench } from '../workbench/workbench.ts';
import { LinesTerminal } from './lines-terminal.ts';

export interface HeadlessResult {
  output: string;
  exitCode: number;
}

/**
 * A lines terminal with no socket: what `layerlab lessons check` types a lesson's commands into,
 * at the session's workbench prompt, exactly as a learner's would be.
 */
export class HeadlessTerminal {
  readonly #terminal: LinesTerminal;
  #output: Buffer[] = [];
  #errors: string[] = [];
  #waiting: ((exitCode: number) => void) | undefined;

  constructor(options: { session: Session; workbench: Workbench }) {
    this.#terminal = new LinesTerminal({
      ...options,
      send: (data) => this.#output.push(Buffer.from(data)),
      control: (message) => {
        if (message.type === 'command-end') this.#waiting?.(message.exitCode);
        else if (message.type === 'error') this.#errors.push(message.message);
      },
    });
  }

  run(command: string): Promise<HeadlessResult> {
    this.#output = [];
    this.#errors = [];
    return new Promise((resolve) => {
      this.#waiting = (exitCode) => {
        this.#waiting = undefined;
        const errors = this.#errors.map((message) => `layerlab: ${message}\n`).join('');
        resolve({ output: Buffer.concat(this.#output).toString('utf8') + errors, exitCode });
      };
      this.#terminal.exec(command);
    });
  }

  close(): void {
    this.#terminal.close();
  }
}
