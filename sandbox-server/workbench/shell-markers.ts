/**
 * Takes the shell integration's OSC 6973 markers (shell-integration.bash) out of the workbench's
 * terminal output and reports them. A streaming scanner, no regular expression: a marker may be
 * split across chunks, and a learner's program may print anything, so a marker longer than the
 * longest real one is dropped rather than buffered.
 */

type MarkerBody =
  | { kind: 'start'; command: string }
  /** `workspaceStamp`: the workspace's names, sizes and times summed; none from an older shell integration. */
  | { kind: 'end'; exitCode: number; command: string; workspaceStamp?: string }
  | { kind: 'prompt' }
  /** PS2: the line read so far is not a whole command, and bash waits for the rest. */
  | { kind: 'more' };

/** A marker, and where in its chunk's output it stood (bytes of output before it). */
export type ShellMarker = MarkerBody & { at: number };

const ESC = 0x1b;
const BEL = 0x07;
const INTRODUCER = Buffer.from('\x1b]6973;', 'latin1');
/** A command line is at most 16 KiB (terminal protocol); base64 makes that 22 KiB. */
const MAX_MARKER_BYTES = 24 * 1024;

type State = 'plain' | 'introducer' | 'body' | 'discarding';

export class ShellMarkerFilter {
  #state: State = 'plain';
  /** Bytes of INTRODUCER matched so far (state introducer); they are held back until it resolves. */
  #matched = 0;
  /** A marker body's bytes from earlier chunks. */
  #body: Buffer[] = [];
  #bodyBytes = 0;

  /** Returns the output with the markers removed, and the markers in order. */
  push(chunk: Buffer): { output: Buffer; markers: ShellMarker[] } {
    const out: Buffer[] = [];
    const markers: ShellMarker[] = [];
    let plainFrom = 0;
    let bodyFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      switch (this.#state) {
        case 'plain':
          if (byte === ESC) {
            out.push(chunk.subarray(plainFrom, i));
            this.#state = 'introducer';
            this.#matched = 1;
          }
          break;
        case 'introducer':
          if (byte === INTRODUCER[this.#matched]) {
            if (++this.#matched === INTRODUCER.length) {
              this.#state = 'body';
              this.#body = [];
              this.#bodyBytes = 0;
              bodyFrom = i + 1;
            }
          } else {
            // Another escape sequence: what was held back is ordinary output.
            out.push(INTRODUCER.subarray(0, this.#matched));
            this.#matched = byte === ESC ? 1 : 0;
            this.#state = byte === ESC ? 'introducer' : 'plain';
            plainFrom = i;
          }
          break;
        case 'body':
          if (byte === BEL) {
            const body = Buffer.concat([...this.#body, chunk.subarray(bodyFrom, i)]);
            const marker = parseMarker(body.toString('latin1'));
            if (marker) markers.push({ ...marker, at: out.reduce((total, piece) => total + piece.length, 0) } as ShellMarker);
            this.#endBody();
            plainFrom = i + 1;
          } else if (this.#bodyBytes + (i - bodyFrom) > MAX_MARKER_BYTES) {
            this.#body = [];
            this.#state = 'discarding';
          }
          break;
        case 'discarding':
          if (byte === BEL) {
            this.#endBody();
            plainFrom = i + 1;
          }
          break;
      }
    }
    if (this.#state === 'plain') out.push(chunk.subarray(plainFrom));
    else if (this.#state === 'body') {
      this.#body.push(Buffer.from(chunk.subarray(bodyFrom)));
      this.#bodyBytes += chunk.length - bodyFrom;
    }
    return { output: Buffer.concat(out), markers };
  }

  #endBody(): void {
    this.#state = 'plain';
    this.#body = [];
    this.#bodyBytes = 0;
  }
}

function parseMarker(body: string): MarkerBody | undefined {
  if (body.startsWith('start;')) return { kind: 'start', command: decodeCommand(body.slice(6)) };
  if (body === 'prompt') return { kind: 'prompt' };
  if (body === 'more') return { kind: 'more' };
  if (!body.startsWith('end;')) return undefined;
  const rest = body.slice(4);
  const separator = rest.indexOf(';');
  if (separator < 1) return undefined;
  const exitCode = Number(rest.slice(0, separator));
  if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) return undefined;
  // base64 has no ';', so a second one ends the stamp.
  const fields = rest.slice(separator + 1);
  const stampEnd = fields.indexOf(';');
  if (stampEnd < 0) return { kind: 'end', exitCode, command: decodeCommand(fields) };
  return { kind: 'end', exitCode, workspaceStamp: fields.slice(0, stampEnd), command: decodeCommand(fields.slice(stampEnd + 1)) };
}

/** The line as history holds it, without the space a Tab completion leaves at its end. */
function decodeCommand(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8').trim();
}
