import type Docker from 'dockerode';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { BuildQueue } from '../build/queue.ts';
import type { Machine } from '../services/machine.ts';
import type { SandboxPolicy } from '../config/policy.ts';
import { engineMessage, isEngineDown } from '../engine/errors.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import { WorkspaceBindError } from '../scope/workspace-binds.ts';
import type { Session } from '../sessions/session.ts';
import { WORKBENCH_UID } from '../workbench/image.ts';
import { API_VERSION, BoundaryError, checkVersion, notAllowed, queryOf, sendError, sendJson, splitVersion } from './api.ts';
import { ENDPOINTS } from './endpoints.ts';
import { matchEndpoint, readJson, readUpgradeBody, type Endpoint, type EndpointContext } from './router.ts';

/**
 * One session's Engine API boundary: an HTTP server on a Unix socket, which the session's
 * workbench mounts as its /var/run/docker.sock. Every request is matched against the allow-list
 * (endpoints.ts); nothing else reaches the engine, and what comes back is the session's view.
 */

/** A socket path longer than this can't be bound (sun_path is 108 bytes on Linux). */
const MAX_SOCKET_PATH = 107;
/** Connections one session's socket keeps open at once (see the constructor). */
const MAX_CONNECTIONS = 48;
/** Longer request addresses are refused; real ones are far shorter. */
const MAX_URL_LENGTH = 8192;
/** Engine streams (attach, exec, logs -f, wait, events, stats, cp) one session may hold open at once. */
const MAX_STREAMS = 16;

export interface BoundaryOptions {
  docker: Docker;
  engine: ScopedEngine;
  /** The session's policy (its lesson's, where the lesson sets one). */
  policy: SandboxPolicy;
  session: Session;
  buildQueue: BuildQueue;
  machine: Machine;
  /** A folder only this session's workbench mounts; the socket is made inside it. */
  socketDir: string;
  log?: (line: string) => void;
}

export class EngineBoundary {
  readonly socketPath: string;
  readonly #server: Server;
  readonly #options: BoundaryOptions;
  readonly #engineSocket: string;
  /** Engine streams open now (see #holdStream). */
  #streams = 0;
  /** Upgraded connections (attach, exec): closeAllConnections() no longer sees them. */
  readonly #hijacked = new Set<Duplex>();

  private constructor(options: BoundaryOptions, socketPath: string, engineSocket: string) {
    this.#options = options;
    this.#engineSocket = engineSocket;
    this.socketPath = socketPath;
    this.#server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 60_000 }, (request, response) => {
      this.#answer(request, response).catch((error: unknown) => {
        options.log?.(`boundary: ${(error as Error).message}`);
        if (!response.headersSent) sendError(response, new BoundaryError(500, 'the sandbox could not answer that request'));
        else response.destroy();
      });
    });
    // One workbench holds a few connections at a time (a CLI, Compose, a `logs -f`); past this many
    // the socket stops accepting, so no session can spend the server's file descriptors.
    this.#server.maxConnections = MAX_CONNECTIONS;
    this.#server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node stops watching an upgraded socket's errors; a client that hangs up at once must not throw.
      socket.on('error', () => socket.destroy());
      this.#hijacked.add(socket);
      socket.once('close', () => this.#hijacked.delete(socket));
      this.#hijack(request, socket, head).catch((error: unknown) => {
        options.log?.(`boundary: ${(error as Error).message}`);
        socket.destroy();
      });
    });
  }

  /** Counts an engine stream against the session's cap; the returned function gives the place back. */
  #holdStream = (): (() => void) => {
    if (this.#streams >= MAX_STREAMS) {
      throw new BoundaryError(429, `this session already has ${MAX_STREAMS} streams open (attach, exec, logs -f, events, wait); end one with Ctrl-C first`);
    }
    this.#streams++;
    let released = false;
    return () => {
      if (!released) this.#streams--;
      released = true;
    };
  };

  #context(request: IncomingMessage, endpoint: Endpoint, params: Record<string, string>): EndpointContext {
    const { docker, engine, policy, session, buildQueue, machine } = this.#options;
    return {
      docker, engine, policy, session, buildQueue, machine,
      engineSocket: this.#engineSocket,
      holdStream: this.#holdStream,
      params,
      query: queryOf(request, endpoint.lists),
      request,
      json: readJson(request),
    };
  }

  #route(request: IncomingMessage) {
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    if (url.length > MAX_URL_LENGTH) throw new BoundaryError(414, `a request address longer than ${MAX_URL_LENGTH} characters is not accepted here`);
    const { version, path: route } = splitVersion(url.split('?')[0]!);
    const match = matchEndpoint(ENDPOINTS, method, route);
    if (!match) throw notAllowed(method, route);
    checkVersion(version);
    return match;
  }

  /** attach and exec start: Docker's CLI asks to take over the connection (Upgrade: tcp). */
  async #hijack(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    try {
      const { endpoint, params } = this.#route(request);
      if (!endpoint.hijack) throw notAllowed(request.method ?? 'GET', request.url ?? '/');
      const { json, rest } = await readUpgradeBody(request, socket, head);
      await endpoint.hijack({ ...this.#context(request, endpoint, params), json }, socket, rest);
    } catch (error) {
      const refusal = this.#refusal(error);
      const body = JSON.stringify({ message: refusal.message });
      if (socket.destroyed || !socket.writable) return;
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\nContent-Type: application/json\r\nApi-Version: ${API_VERSION}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }
  }

  /** The error's sentence for the learner; engine errors keep the engine's words, with the namespace gone. */
  #refusal(error: unknown): BoundaryError {
    if (error instanceof BoundaryError) return error;
    if (error instanceof WorkspaceBindError) return new BoundaryError(403, error.message);
    if (isEngineDown(error)) return new BoundaryError(503, 'the Docker Engine is not answering; try again in a moment');
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 600) {
      return new BoundaryError(status, this.#options.engine.namespace.scrub(engineMessage(error)));
    }
    throw error;
  }

  static async listen(options: BoundaryOptions): Promise<EngineBoundary> {
    const socketPath = path.join(options.socketDir, 'docker.sock');
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      throw new Error(`the session socket ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes; set LAYERLAB_STATE_DIR to a shorter folder`);
    }
    await mkdir(options.socketDir, { recursive: true });
    await chmod(options.socketDir, 0o755);
    await rm(socketPath, { force: true });
    const boundary = new EngineBoundary(options, socketPath, await engineSocketOf(options.docker));
    await new Promise<void>((resolve, reject) => {
      boundary.#server.once('error', reject);
      boundary.#server.listen(socketPath, () => resolve());
    });
    // Only the workbench's user (and root) may connect: the socket is the session's whole engine.
    await chown(socketPath, WORKBENCH_UID, WORKBENCH_UID);
    await chmod(socketPath, 0o600);
    return boundary;
  }

  async close(): Promise<void> {
    for (const socket of this.#hijacked) socket.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // The folder stays: the workbench's bind mount holds it, and a restarted server listens in it again.
    await rm(this.socketPath, { force: true });
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    try {
      const { endpoint, params } = this.#route(request);
      if (!endpoint.handle) throw notAllowed(method, request.url ?? '/');
      const answer = await endpoint.handle(this.#context(request, endpoint, params), response);
      request.resume();
      if ('streamed' in answer) return;
      if ('text' in answer) {
        response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Api-Version': API_VERSION, 'Ostype': 'linux', 'Content-Length': Buffer.byteLength(answer.text) });
        response.end(method === 'HEAD' ? undefined : answer.text);
      } else if (answer.status === 204 || answer.status === 304) {
        response.writeHead(answer.status, { 'Api-Version': API_VERSION });
        response.end();
      } else {
        sendJson(response, answer.status ?? 200, answer.json);
      }
    } catch (error) {
      request.resume();
      if (response.headersSent) throw error;
      sendError(response, this.#refusal(error));
    }
  }
}

/** dockerode finds its default socket lazily (its socketPath is then a function). */
async function engineSocketOf(docker: Docker): Promise<string> {
  const found = (docker.modem as { socketPath?: string | (() => Promise<string> | string) }).socketPath;
  const socketPath = typeof found === 'function' ? await found() : found;
  if (typeof socketPath !== 'string') throw new Error('the Engine API boundary needs the engine on a Unix socket (DOCKER_HOST=unix://…)');
  return socketPath;
}
