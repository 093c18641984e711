/** Turns what dockerode throws into the one line the docker CLI would print. */

interface EngineErrorShape {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

export function isNotFound(error: unknown): boolean {
  return (error as EngineErrorShape)?.statusCode === 404;
}

export function isConflict(error: unknown): boolean {
  return (error as EngineErrorShape)?.statusCode === 409;
}

/** The engine is unreachable: stopped, restarting, or its socket is gone. */
export function isEngineDown(error: unknown): boolean {
  const code = (error as EngineErrorShape)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ECONNRESET' || code === 'EPIPE';
}

export const ENGINE_DOWN_MESSAGE =
  'Cannot connect to the Docker daemon. Is the docker daemon running? (the sandbox will reconnect when it is back)';

/** The daemon's own message, without dockerode's "(HTTP code 404) no such container - " prefix. */
export function engineMessage(error: unknown): string {
  if (isEngineDown(error)) return ENGINE_DOWN_MESSAGE;
  const shape = error as EngineErrorShape;
  const message = shape?.json?.message ?? shape?.message ?? String(error);
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/** "Error response from daemon: …", as the docker CLI prints daemon errors. */
export function daemonError(error: unknown): string {
  if (isEngineDown(error)) return ENGINE_DOWN_MESSAGE;
  return `Error response from daemon: ${engineMessage(error)}`;
}
