import readline from 'node:readline';
import { PassThrough, Writable } from 'node:stream';

/**
 * Line editing by Node's readline, driven over a socket instead of a real TTY: arrow keys, history,
 * Ctrl-A/E/U/K/W, Tab completion and Ctrl-C at the prompt all come from readline itself.
 */
export interface LineEditor {
  /** Keystrokes from the client. */
  feed(data: string): void;
  prompt(): void;
  /**
   * New window size. `redraw` false only records it: readline repaints the prompt line on a resize,
   * which must not happen while a command (or a container's TTY) owns the screen.
   */
  resize(cols: number, rows: number, redraw?: boolean): void;
  /** Types a whole command at the prompt, visibly, and presses Enter. */
  typeLine(command: string): void;
  /** Reads one line as an answer to a question already printed. */
  question(signal: AbortSignal): Promise<string>;
  close(): void;
}

export interface LineEditorOptions {
  prompt: string;
  /** Newest first, as readline keeps it. */
  history: string[];
  historySize: number;
  cols: number;
  rows: number;
  write(data: string): void;
  complete(line: string): Promise<[string[], string]>;
  onLine(line: string): void;
  onHistory(history: string[]): void;
}

interface FakeTtyOutput extends Writable {
  columns: number;
  rows: number;
  isTTY: true;
}

export function createLineEditor(options: LineEditorOptions): LineEditor {
  const input = Object.assign(new PassThrough({ encoding: 'utf8' }), { isTTY: true, setRawMode: () => input });
  const output = Object.assign(
    new Writable({
      decodeStrings: false,
      write(chunk: string | Buffer, _encoding, callback) {
        options.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        callback();
      },
    }),
    { columns: options.cols, rows: options.rows, isTTY: true as const },
  ) as FakeTtyOutput;

  const rl = readline.createInterface({
    input,
    output,
    terminal: true,
    prompt: options.prompt,
    history: [...options.history],
    historySize: options.historySize,
    removeHistoryDuplicates: true,
    tabSize: 4,
    completer: (line: string, callback: (error: Error | null, result: [string[], string]) => void) => {
      options.complete(line).then(
        (result) => callback(null, result),
        () => callback(null, [[], line]),
      );
    },
  });

  let answer: ((line: string) => void) | undefined;
  rl.on('line', (line) => {
    if (answer) {
      // An answer to "Are you sure?" is not a command to recall with the up arrow.
      const history = (rl as unknown as { history: string[] }).history;
      if (history[0] === line) history.shift();
      const resolve = answer;
      answer = undefined;
      resolve(line);
      return;
    }
    options.onLine(line);
  });
  rl.on('history', (history: string[]) => options.onHistory([...history]));
  // Ctrl-C at the prompt: show ^C, drop the line, start afresh, as bash does.
  rl.on('SIGINT', () => {
    if (answer) {
      output.write('^C\r\n');
      const resolve = answer;
      answer = undefined;
      resolve('');
      return;
    }
    // As bash shows it: what was typed stays on screen with ^C after it, and a fresh prompt below.
    // Ctrl-U would repaint the line empty first, so the line is dropped without a repaint: readline
    // keeps the text, the cursor and how many rows the cursor sits below the prompt's first row.
    rl.write(null, { ctrl: true, name: 'e' });
    output.write('^C\r\n');
    const state = rl as unknown as { line: string; cursor: number; prevRows?: number };
    state.line = '';
    state.cursor = 0;
    state.prevRows = 0;
    rl.prompt();
  });
  // Ctrl-D would close the interface; a web terminal has nothing to exit to.
  rl.on('close', () => undefined);

  return {
    feed(data) {
      // On an empty line Ctrl-D would end readline for good; drop it there.
      if (data === '\x04' && rl.line === '') return;
      input.write(data);
    },
    prompt() {
      rl.prompt();
    },
    resize(cols, rows, redraw = true) {
      output.columns = cols;
      output.rows = rows;
      if (redraw) output.emit('resize');
    },
    typeLine(command) {
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      input.write(`${command.replace(/[\r\n]+/g, ' ')}\r`);
    },
    question(signal) {
      return new Promise((resolve) => {
        answer = resolve;
        signal.addEventListener(
          'abort',
          () => {
            if (answer === resolve) {
              answer = undefined;
              resolve('');
            }
          },
          { once: true },
        );
      });
    },
    close() {
      rl.close();
      input.destroy();
    },
  };
}
