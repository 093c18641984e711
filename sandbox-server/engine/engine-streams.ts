/** One JSON message of the engine's build, import or pull progress stream. */
export interface EngineEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** The engine writes one message per line; a line longer than this ends the stream as an error. */
const MAX_MESSAGE = 16 * 1024 ** 2;

/**
 * Reads a newline-delimited JSON progress stream, handing each event over as it arrives.
 * dockerode's followProgress keeps every event in memory, so a build that prints a gigabyte would
 * hold a gigabyte; nothing is kept here but the unfinished line. Note that the engine reports a
 * failed build inside the stream, with status 200, so callers must look at `error` on each event.
 */
export async function readEngineStream(
  stream: NodeJS.ReadableStream,
  onEvent: (event: EngineEvent) => void,
): Promise<void> {
  let pending = '';
  const handle = (line: string) => {
    const text = line.trim();
    if (!text) return;
    try {
      onEvent(JSON.parse(text) as EngineEvent);
    } catch (error) {
      // A line that is not JSON is plain engine text; keep it as output rather than fail.
      if (error instanceof SyntaxError) onEvent({ stream: text });
      else throw error;
    }
  };
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      handle(pending + text.slice(start, newline));
      pending = '';
      start = newline + 1;
    }
    pending += text.slice(start);
    if (pending.length > MAX_MESSAGE) throw new Error('the engine sent a progress message over 16 MiB');
  }
  handle(pending);
}

/** The message of an error event, if the event is one. */
export function eventError(event: EngineEvent): string | undefined {
  return event.errorDetail?.message || event.error || undefined;
}
