import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';
import { eventually } from '../support/terminal-text.ts';

/** The web preview: each session's published ports on a host of their own, on the real engine. */

let sandbox: TestSandbox;
let port: string;
beforeAll(async () => {
  sandbox = await startTestSandbox();
  port = new URL(sandbox.url).port;
});
afterAll(async () => {
  await sandbox?.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET to this server with any Host: what a browser resolving *.localhost to loopback sends. */
function get(host: string, path = '/', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, headers: { ...headers, host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

interface PreviewPort {
  port: number;
  containerPort: number;
  url: string;
}

async function previews(learner: Learner): Promise<PreviewPort[]> {
  const response = await fetch(`${learner.url}/api/preview`, { headers: { cookie: learner.cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { ports: PreviewPort[] }).ports;
}

function hostOf(url: string): string {
  return new URL(url).host;
}

describe('the preview', () => {
  let learner: Learner;
  let preview: PreviewPort;

  beforeAll(async () => {
    learner = await sandbox.newLearner({});
    await learner.ok('docker run -d --name web -p 8080:80 nginx');
    preview = (await previews(learner))[0]!;
  });

  it('lists the published port with a URL on a host of its own', () => {
    expect(preview.port).toBe(8080);
    expect(preview.containerPort).toBe(80);
    expect(preview.url).toMatch(new RegExp(`^http://p-[0-9a-f]{32}-8080\\.localhost:${port}/$`));
    // Never the cookie secret.
    expect(preview.url).not.toContain(learner.sessionId);
  });

  it('serves the container: the nginx welcome page, without the site\'s headers or cookie', async () => {
    const page = await eventually(
      async () => {
        const answer = await get(hostOf(preview.url));
        return answer.status === 200 ? answer : undefined;
      },
      { what: 'the preview answering' },
    );
    expect(page.body).toContain('<title>Welcome to nginx!</title>');
    expect(page.headers.server).toMatch(/^nginx/);
    expect(page.headers['content-security-policy']).toBeUndefined();
    expect(page.headers['x-frame-options']).toBeUndefined();
  });

  it('does not pass the site\'s session cookie to the container', async () => {
    // nginx's default server logs nothing we can read back, so a container that echoes the request shows it.
    await learner.setFiles({
      'echo.py': [
        'import http.server',
        'class H(http.server.BaseHTTPRequestHandler):',
        '    def do_GET(self):',
        '        body = ("cookie=" + str(self.headers.get("Cookie"))).encode()',
        '        self.send_response(200); self.send_header("Content-Length", str(len(body)))',
        '        self.send_header("Set-Cookie", "tossed=1; Domain=localhost"); self.send_header("Set-Cookie", "own=1")',
        '        self.end_headers(); self.wfile.write(body)',
        'http.server.HTTPServer(("", 80), H).serve_forever()',
      ].join('\n'),
    });
    await learner.ok('docker run -d --name echo -p 8082:80 -v "$PWD":/app python:3.11-slim python3 -u /app/echo.py');
    const echo = (await previews(learner)).find((entry) => entry.port === 8082)!;
    const answer = await eventually(
      async () => {
        const result = await get(hostOf(echo.url), '/', { cookie: `${learner.cookie}; theirs=kept` });
        return result.status === 200 ? result : undefined;
      },
      { what: 'the echo container answering' },
    );
    expect(answer.body).toBe('cookie=theirs=kept');
    // A cookie for the parent domain could shadow the site's own; one for the preview's host is the app's business.
    expect(answer.headers['set-cookie']).toEqual(['own=1']);
  });

  it('reaches only the published port: other ports of the container get a sentence', async () => {
    const tokenHost = (other: number) => hostOf(preview.url).replace('-8080.', `-${other}.`);
    for (const other of [80, 8081]) {
      const answer = await get(tokenHost(other));
      expect(answer.status).toBe(502);
      expect(answer.body).toBe(`No running container in this session publishes port ${other}; run one with -p ${other}:<its port>.\n`);
      // The browser asks again by itself, for a container that starts a moment later.
      expect(answer.headers.refresh).toBe('2');
    }
  });

  it("refuses another session's token for this session's container", async () => {
    const other = await sandbox.newLearner({});
    const [none] = await previews(other);
    expect(none).toBeUndefined();
    // The other learner has a token too, once it asked; with it, port 8080 is the other session's, where nothing runs.
    const response = await fetch(`${other.url}/api/preview`, { headers: { cookie: other.cookie } });
    expect(response.status).toBe(200);
    const token = sandbox.server.context.store.get(other.sessionId)!.record.previewToken!;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const answer = await get(`p-${token}-8080.localhost:${port}`);
    expect(answer.status).toBe(502);
    expect(answer.body).not.toContain('nginx');
  });

  it('refuses an unknown token, and the site is not served on preview hosts nor previews on the site', async () => {
    const unknown = await get(`p-${'0'.repeat(32)}-8080.localhost:${port}`, '/api/health');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toBe('No Layerlab session has this preview address (it may have ended); open the Preview tab of your lesson for the current one.\n');
    // The site's own host is the site: no container there.
    const site = await get(`localhost:${port}`, '/');
    expect(site.body).not.toContain('nginx');
    // A host that looks nearly like a preview host is no preview host, and the site refuses it.
    const near = await get(`p-${'0'.repeat(31)}-8080.localhost:${port}`);
    expect(near.status).toBe(421);
  });

  it('proxies a WebSocket upgrade to the container, both ways', async () => {
    await learner.setFiles({
      'upgrade.py': [
        // Answers an upgrade with 101, then echoes every byte: the tunnel the proxy must keep open.
        'import socketserver',
        'class H(socketserver.StreamRequestHandler):',
        '    def handle(self):',
        '        head = b""',
        '        while not head.endswith(b"\\r\\n\\r\\n"):',
        '            head += self.rfile.read(1)',
        '        upgrade = b"upgrade: websocket" in head.lower()',
        '        self.wfile.write(b"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n" if upgrade else b"HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n")',
        '        while upgrade:',
        '            data = self.request.recv(1024)',
        '            if not data: break',
        '            self.request.sendall(b"echo:" + data)',
        'socketserver.ThreadingTCPServer(("", 80), H).serve_forever()',
      ].join('\n'),
    });
    await learner.ok('docker run -d --name ws -p 8083:80 -v "$PWD":/app python:3.11-slim python3 -u /app/upgrade.py');
    const ws = (await previews(learner)).find((entry) => entry.port === 8083)!;
    const echoed = await eventually(async () => {
      const reply = await upgradeAndSend(hostOf(ws.url), 'hello');
      return reply.includes('echo:hello') ? reply : undefined;
    }, { what: 'the upgrade echoed' });
    expect(echoed).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
  });
});

/** A raw upgrade request, then bytes after the 101: what comes back on the socket. */
function upgradeAndSend(host: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    let sent = false;
    socket.on('error', reject);
    socket.on('connect', () =>
      socket.write(
        `GET /socket HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (!sent && received.includes('\r\n\r\n')) {
        sent = true;
        if (!received.startsWith('HTTP/1.1 101')) return void socket.end();
        socket.write(text);
      }
      if (received.includes(`echo:${text}`)) socket.end();
    });
    socket.on('close', () => resolve(received));
    setTimeout(() => socket.destroy(), 10_000).unref();
  });
}
