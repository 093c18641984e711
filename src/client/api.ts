/** JSON requests to the sandbox server, same origin, with its one-sentence errors as exceptions. */

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let message = `${method} ${path} answered ${response.status}`;
    try {
      const answer = (await response.json()) as { error?: string };
      if (answer.error) message = answer.error;
    } catch {
      // Not JSON (a proxy's error page, say): keep the status line.
    }
    throw new ApiError(response.status, message);
  }
  // 204 No Content (leaving a class, say) has no body to read.
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
