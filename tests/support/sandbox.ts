import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import WebSocket from 'ws';
import { serverConfigFromEnv, type ServerConfig } from '../../sandbox-server/config/server.ts';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { createLogger } from '../../sandbox-server/log.ts';
import { startServer, type RunningServer } from '../../sandbox-server/server.ts';
import type { ServerMessage } from '../../sandbox-server/terminal/protocol.ts';
import { plain } from './terminal-text.ts';

/**
 * A real sandbox server on a free port, on the real engine, with its own instance name and state
 * folder so tests never touch each other's sessions. `npm test` has readied the engine already.
 */
export interface TestSandbox {
  server: RunningServer;
  url: string;
  config: ServerConfig;
  /** A learner with a session; `from` is another loopback address (127.0.0.2 …) to connect from. */
  newLearner(files?: Record<string, string>, lessonId?: string, from?: string): Promise<Learner>;
  close(): Promise<void>;
  /**
   * Stops the server as a restart or a crash would: the HTTP side and the reaper stop and the
   * state file is written, but sessions and their engine objects stay. Start another sandbox with
   * this one's LAYERLAB_INSTANCE (and LAYERLAB_STATE_DIR to keep its sessions) to take over;
   * remove `config.stateDir` yourself when done.
   */
  stop(): Promise<void>;
  /** Like stop(), but every connection is cut at once, as when the server's process is killed. */
  crash(): Promise<void>;
}

/** `docker`: the engine this sandbox's host uses (a second engine, tests/support/second-engine.ts); the machine's own by default. */
export async function startTestSandbox(env: Record<string, string> = {}, options: { docker?: Docker } = {}): Promise<TestSandbox> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-test-'));
  const instance = `t${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const config = serverConfigFromEnv({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LAYERLAB_INSTANCE: instance,
    LAYERLAB_STATE_DIR: stateDir,
    LAYERLAB_SITE_DIR: path.join(stateDir, 'no-site'),
    // Tests find a learner's objects by the namespace its session ID gives (tests/support/engine.ts);
    // a warm workbench's namespace is another, so the pool is the warm-pool test's alone.
    LAYERLAB_WARM_WORKBENCHES: '0',
    ...env,
  });
  const server = await startServer(config, options.docker ?? connectEngine(), createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  // Every connection the server accepted, so crash() can cut them as a killed process would.
  const connections = new Set<import('node:net').Socket>();
  server.app.server.on('connection', (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  const learners: Learner[] = [];
  return {
    server,
    url: server.url,
    config,
    async newLearner(files, lessonId, from) {
      const learner = await Learner.open(server.url, files, lessonId, from);
      learners.push(learner);
      return learner;
    },
    async close() {
      for (const learner of learners) learner.disconnect();
      // Leave nothing on the engine: every test session is torn down, the lease too.
      for (const session of server.context.store.all()) {
        server.context.store.delete(session);
      }
      await server.reaper.sweep();
      await server.close({ forget: true });
      rmSync(stateDir, { recursive: true, force: true });
    },
    async stop() {
      for (const learner of learners) learner.disconnect();
      await server.close();
    },
    async crash() {
      // Connections reset, not closed politely; what follows stops what the process held.
      for (const socket of connections) socket.destroy();
      await server.close();
    },
  };
}

/** A POST from another loopback address (127.0.0.2 …), as a second client machine would send it. */
export function postFrom(localAddress: string, url: string, path: string, body: unknown): Promise<{ status: number; cookie?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const request = http.request(
      target,
      { method: 'POST', localAddress, headers: { origin: url, 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, cookie: response.headers['set-cookie']?.[0]?.split(';')[0], body: text }));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

export interface CommandResult {
  output: string;
  exitCode: number;
}

/** One learner: a session cookie and a lines-mode terminal, as `layerlab shell` uses them. */
export class Learner {
  readonly url: string;
  readonly cookie: string;
  /** The loopback address this learner's connections come from, when not 127.0.0.1. */
  readonly localAddress?: string;
  #socket: WebSocket | undefined;

  private constructor(url: string, cookie: string, localAddress?: string) {
    this.url = url;
    this.cookie = cookie;
    this.localAddress = localAddress;
  }

  /** A learner who already has a session cookie, e.g. after the server restarted. */
  static resume(url: string, cookie: string): Learner {
    return new Learner(url, cookie);
  }

  static async open(url: string, files?: Record<string, string>, lessonId?: string, localAddress?: string): Promise<Learner> {
    if (localAddress) {
      const response = await postFrom(localAddress, url, '/api/session', { files, lessonId });
      if (response.status !== 200) throw new Error(`session refused: ${response.status} ${response.body}`);
      return new Learner(url, response.cookie!, localAddress);
    }
    const response = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { origin: url, 'content-type': 'application/json' },
      body: JSON.stringify({ files, lessonId }),
    });
    if (!response.ok) throw new Error(`session refused: ${response.status} ${await response.text()}`);
    const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
    return new Learner(url, cookie);
  }

  get sessionId(): string {
    return this.cookie.split('=')[1]!;
  }

  async setFiles(files: Record<string, string>): Promise<void> {
    const response = await fetch(`${this.url}/api/workspace`, {
      method: 'PUT',
      headers: { origin: this.url, 'content-type': 'application/json', cookie: this.cookie },
      body: JSON.stringify({ files }),
    });
    if (!response.ok) throw new Error(`workspace refused: ${response.status} ${await response.text()}`);
  }

  async #lines(): Promise<WebSocket> {
    if (this.#socket && this.#socket.readyState === WebSocket.OPEN) return this.#socket;
    this.#socket = await openTerminal(this.url, this.cookie, { mode: 'lines' }, this.url, undefined, this.localAddress);
    return this.#socket;
  }

  /** Runs one command as a piped `layerlab shell` would, and collects what the terminal shows. */
  async run(command: string, timeoutMs = 120_000): Promise<CommandResult> {
    const socket = await this.#lines();
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const errors: string[] = [];
      const done = () => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        socket.off('close', onClose);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`"${command}" did not finish within ${timeoutMs} ms; output so far:\n${Buffer.concat(chunks)}`));
      }, timeoutMs);
      const onClose = (code: number) => {
        done();
        reject(new Error(`the terminal's socket closed (${code}) before "${command.slice(0, 80)}" finished; output so far:\n${Buffer.concat(chunks)}`));
      };
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        if (isBinary) {
          chunks.push(data as Buffer);
          return;
        }
        const message = JSON.parse(data.toString()) as ServerMessage;
        // A refused line gets its sentence, then its command-end, like every line.
        if (message.type === 'error') errors.push(message.message);
        if (message.type === 'command-end') {
          done();
          if (errors.length > 0) reject(new Error(`the server refused "${command.slice(0, 80)}": ${errors.join('; ')}`));
          else resolve({ output: Buffer.concat(chunks).toString('utf8'), exitCode: message.exitCode });
        }
      };
      socket.on('message', onMessage);
      socket.on('close', onClose);
      socket.send(JSON.stringify({ type: 'exec', command }));
    });
  }

  /** Runs and insists on success, for set-up steps. */
  async ok(command: string): Promise<string> {
    const result = await this.run(command);
    if (result.exitCode !== 0) throw new Error(`"${command}" exited ${result.exitCode}:\n${result.output}`);
    return result.output;
  }

  /** A TTY terminal, as the browser opens it. */
  async tty(cols = 100, rows = 30): Promise<TtyTerminal> {
    // The listener must be on before the socket opens: the prompt can arrive with the handshake.
    let terminal: TtyTerminal | undefined;
    await openTerminal(this.url, this.cookie, { mode: 'tty', cols: String(cols), rows: String(rows) }, this.url, (socket) => {
      terminal = new TtyTerminal(socket);
    });
    return terminal!;
  }

  /** The same session in another terminal (its own socket), e.g. a second browser tab. */
  another(): Learner {
    return new Learner(this.url, this.cookie, this.localAddress);
  }

  disconnect(): void {
    this.#socket?.close();
  }
}

export function openTerminal(
  url: string,
  cookie: string,
  query: Record<string, string>,
  origin = url,
  beforeOpen?: (socket: WebSocket) => void,
  localAddress?: string,
): Promise<WebSocket> {
  const address = new URL('/api/terminal', url.replace(/^http/, 'ws'));
  for (const [key, value] of Object.entries(query)) address.searchParams.set(key, value);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(address, { headers: { cookie, origin }, localAddress });
    beforeOpen?.(socket);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
}

/** A TTY terminal: send keystrokes, wait for text on the screen, see control messages. */
export class TtyTerminal {
  readonly socket: WebSocket;
  screen = '';
  readonly messages: ServerMessage[] = [];

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.screen += (data as Buffer).toString('utf8');
      else this.messages.push(JSON.parse(data.toString()) as ServerMessage);
    });
  }

  type(data: string): void {
    this.socket.send(JSON.stringify({ type: 'stdin', data }));
  }

  resize(cols: number, rows: number): void {
    this.socket.send(JSON.stringify({ type: 'resize', cols, rows }));
  }

  exec(command: string): void {
    this.socket.send(JSON.stringify({ type: 'exec', command }));
  }

  /** Resolves once the screen (since `from`) matches, or rejects with what it shows. */
  async waitFor(pattern: RegExp | string, options: { from?: number; timeoutMs?: number } = {}): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const from = options.from ?? 0;
    while (Date.now() < deadline) {
      const text = this.screen.slice(from);
      // A string may also be read as a person reads it: without the colours around it.
      if (typeof pattern === 'string' ? text.includes(pattern) || plain(text).includes(pattern) : pattern.test(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the terminal never showed ${pattern}; it shows:\n${JSON.stringify(this.screen.slice(from))}`);
  }

  async waitForCommandEnd(command: string, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const end = this.messages.find((message) => message.type === 'command-end' && message.command === command);
      if (end && end.type === 'command-end') return end.exitCode;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`"${command}" never finished; the terminal shows:\n${JSON.stringify(this.screen.slice(-2000))}`);
  }

  close(): void {
    this.socket.close();
  }
}
