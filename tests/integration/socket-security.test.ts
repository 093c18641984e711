import http from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTerminal, startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

/** The terminal socket and the session API: who may open them, and what a socket may send. */

let sandbox: TestSandbox;
let learner: Learner;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\n' });
});

afterAll(async () => {
  await sandbox?.close();
});

/** The HTTP status of a terminal handshake with exactly these headers (101 when it opened). */
function handshake(headers: Record<string, string>): Promise<number> {
  const address = new URL('/api/terminal?mode=lines', sandbox.url.replace(/^http/, 'ws'));
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(address, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe('the terminal socket handshake', () => {
  it('opens for the page itself with the session cookie', async () => {
    expect(await handshake({ origin: sandbox.url, cookie: learner.cookie })).toBe(101);
  });

  it('refuses another Origin with 403, even with a valid cookie', async () => {
    const port = new URL(sandbox.url).port;
    for (const origin of [
      'https://evil.test',
      'http://evil.test',
      `http://127.0.0.1.evil.test:${port}`,
      `http://127.0.0.1:${Number(port) + 1}`,
      `https://127.0.0.1:${port}.evil.test`,
      'null',
    ]) {
      expect(await handshake({ origin, cookie: learner.cookie }), origin).toBe(403);
    }
  });

  it('refuses a handshake without an Origin with 403', async () => {
    expect(await handshake({ cookie: learner.cookie })).toBe(403);
  });

  it('refuses a missing, unknown or tampered cookie with 401', async () => {
    const name = learner.cookie.split('=')[0]!;
    const id = learner.sessionId;
    for (const cookie of [
      undefined,
      `${name}=`,
      `${name}=${Buffer.alloc(24).toString('base64url')}`,
      `${name}=${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`,
      `other=${id}`,
    ]) {
      const headers: Record<string, string> = { origin: sandbox.url };
      if (cookie !== undefined) headers.cookie = cookie;
      expect(await handshake(headers), String(cookie)).toBe(401);
    }
    await expect(openTerminal(sandbox.url, '', { mode: 'lines' })).rejects.toThrow('HTTP 401');
  });
});

describe('an open terminal socket', () => {
  it('is closed with 1009 for a frame over 64 KiB; a large frame under it is only answered', async () => {
    const socket = await openTerminal(sandbox.url, learner.cookie, { mode: 'lines' });
    const replies: string[] = [];
    socket.on('message', (data, isBinary) => {
      if (!isBinary) replies.push(data.toString());
    });
    // 60 KiB: within the frame cap, over the 16 KiB a stdin message may carry, so refused politely.
    socket.send(JSON.stringify({ type: 'stdin', data: 'x'.repeat(60 * 1024) }));
    socket.send(JSON.stringify({ type: 'exec', command: 'echo still-open' }));
    await new Promise<void>((resolve) => {
      const check = () => (replies.some((reply) => reply.includes('command-end')) ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(replies.some((reply) => JSON.parse(reply).type === 'error')).toBe(true);
    expect(socket.readyState).toBe(WebSocket.OPEN);

    const ended = closed(socket);
    socket.send('x'.repeat(64 * 1024 + 1));
    expect((await ended).code).toBe(1009);
  });

  it('is closed with 1008 when a client floods it with messages', async () => {
    const socket = await openTerminal(sandbox.url, learner.cookie, { mode: 'lines' });
    const ended = closed(socket);
    for (let i = 0; i < 1000 && socket.readyState === WebSocket.OPEN; i++) {
      socket.send(JSON.stringify({ type: 'resize', cols: 80, rows: 24 }));
    }
    expect(await ended).toEqual({ code: 1008, reason: 'too many messages' });
  });

  it('a session holds at most three terminals: a fourth replaces the oldest', async () => {
    const sockets = [];
    for (let i = 0; i < 3; i++) sockets.push(await openTerminal(sandbox.url, learner.cookie, { mode: 'lines' }));
    const oldest = closed(sockets[0]!);
    sockets.push(await openTerminal(sandbox.url, learner.cookie, { mode: 'lines' }));
    expect((await oldest).code).toBe(4000);
    expect(sockets.slice(1).every((socket) => socket.readyState === WebSocket.OPEN)).toBe(true);
    for (const socket of sockets) socket.close();
  });
});

describe('the session API', () => {
  async function request(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, setCookie: response.headers.getSetCookie(), body: await response.text() };
  }

  it('refuses state changes from a foreign or missing Origin, and changes nothing', async () => {
    const sessions = sandbox.server.context.store.all().length;
    for (const origin of ['https://evil.test', 'null', undefined]) {
      const headers: Record<string, string> = origin === undefined ? {} : { origin };
      const created = await request('POST', '/api/session', headers, {});
      expect(created.status, String(origin)).toBe(403);
      expect(created.setCookie).toEqual([]);
      const withCookie = { ...headers, cookie: learner.cookie };
      expect((await request('PUT', '/api/workspace', withCookie, { files: { Dockerfile: 'FROM evil\n' } })).status).toBe(403);
      expect((await request('PATCH', '/api/workspace', withCookie, { changes: { Dockerfile: 'FROM evil\n' } })).status).toBe(403);
    }
    expect(sandbox.server.context.store.all()).toHaveLength(sessions);
    const files = await request('GET', '/api/workspace', { cookie: learner.cookie });
    expect(JSON.parse(files.body)).toEqual({ files: { Dockerfile: 'FROM busybox\n' } });
  });

  it('sets an HttpOnly, SameSite=Lax session cookie holding at least 128 random bits', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const created = await request('POST', '/api/session', { origin: sandbox.url }, {});
      expect(created.status).toBe(200);
      expect(created.setCookie).toHaveLength(1);
      const [pair, ...attributes] = created.setCookie[0]!.split(';').map((part) => part.trim());
      const id = pair!.slice(pair!.indexOf('=') + 1);
      expect(attributes).toContain('HttpOnly');
      expect(attributes).toContain('SameSite=Lax');
      expect(attributes).toContain('Path=/');
      expect(attributes.some((attribute) => attribute.startsWith('Expires='))).toBe(true);
      expect(attributes).not.toContain('Secure'); // plain http here; see the next test
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(id, 'base64url').length).toBeGreaterThanOrEqual(16);
      ids.add(id);
    }
    expect(ids.size).toBe(3);
  });

  it('marks the cookie Secure when the operator serves over HTTPS', async () => {
    const secure = await startTestSandbox({ LAYERLAB_SECURE_COOKIES: '1' });
    try {
      const response = await fetch(`${secure.url}/api/session`, {
        method: 'POST',
        headers: { origin: secure.url, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.headers.getSetCookie()[0]).toMatch(/; Secure(;|$)/);
    } finally {
      await secure.close();
    }
  });
});

/** A raw request with any Host header (fetch won't send one), as a rebinding attacker's page sends it. */
function requestWithHost(host: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, sandbox.url), { method, headers: { ...headers, host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('DNS rebinding', () => {
  it('refuses a host name the server is not served as, even with an Origin to match it', async () => {
    const port = new URL(sandbox.url).port;
    const json = { 'content-type': 'application/json', origin: `http://evil.example:${port}` };
    const session = await requestWithHost(`evil.example:${port}`, 'POST', '/api/session', json);
    expect(session.status).toBe(421);
    expect(session.headers['set-cookie']).toBeUndefined();
    expect(session.body).toBe(`This Layerlab server is not served as evil.example:${port}; an operator can add the name to LAYERLAB_ALLOWED_HOSTS.\n`);
    expect((await requestWithHost(`evil.example:${port}`, 'GET', '/api/health')).status).toBe(421);
    // A stray Upgrade header doesn't skip the check, and the refusal carries the security headers.
    const upgraded = await requestWithHost(`evil.example:${port}`, 'POST', '/api/session', { ...json, upgrade: 'foo', connection: 'upgrade' });
    expect(upgraded.status).toBe(421);
    expect(upgraded.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(upgraded.headers['x-content-type-options']).toBe('nosniff');
    expect(await handshake({ host: `evil.example:${port}`, origin: `http://evil.example:${port}`, cookie: learner.cookie })).toBe(421);
  });

  it('answers the loopback names, IP addresses and LAYERLAB_ALLOWED_HOSTS', async () => {
    const port = new URL(sandbox.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `10.1.2.3:${port}`, 'LOCALHOST']) {
      expect((await requestWithHost(host, 'GET', '/api/health')).status, host).toBe(200);
    }
    const named = await startTestSandbox({ LAYERLAB_ALLOWED_HOSTS: 'class.example' });
    try {
      const other = new URL(named.url).port;
      const ok = await new Promise<number>((resolve, reject) => {
        http.get(new URL('/api/health', named.url), { headers: { host: `class.example:${other}` } }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        }).on('error', reject);
      });
      expect(ok).toBe(200);
    } finally {
      await named.close();
    }
  });
});

describe('security headers', () => {
  it('forbid framing, sniffing and script from anywhere else', async () => {
    for (const path of ['/', '/api/health']) {
      const response = await fetch(`${sandbox.url}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("object-src 'none'");
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('strict-transport-security'), path).toBeNull();
    }
  });
});
