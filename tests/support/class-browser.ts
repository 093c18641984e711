import WebSocket from 'ws';
import { Learner } from './sandbox.ts';

/**
 * One browser in class mode: its own cookie jar (the session's and the class's cookies), the page's
 * Origin on every request, and the lines terminal of its session as `layerlab shell` opens it.
 */
export class ClassBrowser {
  /** Where the browser is pointed; a test moves it to a restarted server. */
  url: string;
  readonly cookies = new Map<string, string>();
  #terminal: Learner | undefined;

  constructor(url: string) {
    this.url = url;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(new URL(path, this.url), {
      method,
      headers: {
        origin: this.url,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookies.size > 0 ? { cookie: this.cookieHeader } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair!.split('=');
      const cleared = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
      if (cleared || value.join('=') === '') this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
    return response;
  }

  async json<T = Record<string, unknown>>(method: string, path: string, body?: unknown, expected = 200): Promise<T> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path}: expected ${expected}, got ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get sessionId(): string | undefined {
    return this.cookies.get('layerlab_session');
  }

  /** Runs a command in the session's lines terminal. */
  run(command: string) {
    // A new session (the old one ended) gets a terminal of its own.
    if (this.#terminal?.cookie !== this.cookieHeader || this.#terminal.url !== this.url) {
      this.#terminal?.disconnect();
      this.#terminal = Learner.resume(this.url, this.cookieHeader);
    }
    return this.#terminal.run(command);
  }

  /** A TTY on the session, as the lesson page opens it. */
  tty(cols = 100, rows = 30) {
    return Learner.resume(this.url, this.cookieHeader).tty(cols, rows);
  }

  disconnect(): void {
    this.#terminal?.disconnect();
    this.#terminal = undefined;
  }
}

/** Opens a WebSocket with these headers; resolves with it, or rejects with the refused handshake's status. */
export function openSocket(url: string, headers: Record<string, string>, beforeOpen?: (socket: WebSocket) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    beforeOpen?.(socket);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
}
