import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { TerminalIO } from '../command.ts';

type Resize = (size: { h: number; w: number }) => Promise<unknown>;

/**
 * Sends a container stream to the terminal. A TTY stream is raw bytes; without a TTY the engine
 * multiplexes stdout and stderr into frames that demuxStream splits.
 */
export function pipeToTerminal(docker: Docker, stream: NodeJS.ReadableStream, tty: boolean, io: TerminalIO): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    // A dying engine can error a stream more than once; every error must be handled, or Node exits.
    stream.on('error', () => resolve());
  });
  if (tty) {
    stream.on('data', (chunk: Buffer) => io.raw(chunk));
  } else {
    docker.modem.demuxStream(stream, textSink(io.out), textSink(io.err));
  }
  return ended;
}

/** A writable that decodes UTF-8 across chunk boundaries before handing text on. */
function textSink(write: (text: string) => void): Writable {
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = decoder.write(chunk);
      if (text) write(text);
      callback();
    },
    final(callback) {
      const rest = decoder.end();
      if (rest) write(rest);
      callback();
    },
  });
}

/** Resolves when `promise` settles or after `ms`, whichever is first. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/**
 * Hands the terminal's keystrokes and window size to a container stream (run -it, exec -it) until
 * the returned function is called. With a TTY, Ctrl-C is the container's to turn into SIGINT.
 */
export function attachKeyboard(io: TerminalIO, stream: NodeJS.WritableStream, resize: Resize, tty: boolean): () => void {
  return io.attach({
    input: (data) => stream.write(data),
    resize: (cols, rows) => void resize({ h: rows, w: cols }).catch(() => undefined),
    passCtrlC: tty,
  });
}
