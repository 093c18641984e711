/** One JSON message of the engine's build, import or pull progress stream. */
export interface EngineEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Reads a newline-delimited JSON progress stream, handing each event over as it arrives.
 * dockerode's followProgress keeps every event in memory; a long apt-get install does not
 * need that. Note that the engine reports a failed build inside the stream, with status 200,
 * so callers must look at `error` on each event.
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
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(handle);
  }
  handle(pending);
}

/** The message of an error event, if the event is one. */
export function eventError(event: EngineEvent): string | undefined {
  return event.errorDetail?.message || event.error || undefined;
}
