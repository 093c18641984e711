import type Docker from 'dockerode';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SandboxPolicy } from '../config/policy.ts';
import type { BuildQueue } from '../build/queue.ts';
import type { Machine } from '../services/machine.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import type { Session } from '../sessions/session.ts';
import { BoundaryError } from './api.ts';

/** What a handler is given: the engine as its session sees it, and the request as read so far. */
export interface EndpointContext {
  docker: Docker;
  engine: ScopedEngine;
  policy: SandboxPolicy;
  session: Session;
  buildQueue: BuildQueue;
  /** The machine's shared services and disk: a push needs the registry, a build room on the disk. */
  machine: Machine;
  /** The engine's own socket, for the streams dockerode can't pass through as they are. */
  engineSocket: string;
  /** Takes one of the session's engine-stream places (or answers 429); call what it returns when the stream ends. */
  holdStream(): () => void;
  /** `{id}` and `{name}` segments of the path. */
  params: Record<string, string>;
  query: Record<string, string>;
  request: IncomingMessage;
  /** The request body as JSON, read up to a cap; undefined when empty. */
  json(): Promise<unknown>;
}

export type Answer =
  | { json: unknown; status?: number }
  | { text: string }
  /** The handler wrote the response (a stream) itself. */
  | { streamed: true };

export interface Endpoint {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** The path after the version prefix, as the engine routes it: `/containers/{id}/start`. */
  path: string;
  handle?(context: EndpointContext, response: ServerResponse): Promise<Answer>;
  /** Query parameters this endpoint takes as a list (repeated in the URL). */
  lists?: readonly string[];
  /** For the endpoints the CLI hijacks (attach, exec start): the raw connection is the handler's. */
  hijack?(context: EndpointContext, client: Duplex, head: Buffer): Promise<void>;
}

const MAX_JSON_BODY = 256 * 1024;

export function readJson(request: IncomingMessage): () => Promise<unknown> {
  let read: Promise<unknown> | undefined;
  return () =>
    (read ??= new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_JSON_BODY) {
          request.destroy();
          reject(new BoundaryError(413, `a request body larger than ${MAX_JSON_BODY / 1024} KiB is not accepted here`));
        } else chunks.push(chunk);
      });
      request.on('error', reject);
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.trim() === '') return resolve(undefined);
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new BoundaryError(400, 'the request body is not JSON'));
        }
      });
    }));
}

/**
 * Matches segment by segment, so a learner's path never meets a regular expression. A `{name*}`
 * segment takes as many segments as the rest of the pattern leaves, as the engine's
 * `{name:.*}` routes do for image names with slashes (`/images/localhost:5000/app/json`).
 */
export function matchEndpoint(
  endpoints: readonly Endpoint[],
  method: string,
  path: string,
): { endpoint: Endpoint; params: Record<string, string> } | undefined {
  const segments = path.split('/').slice(1);
  for (const endpoint of endpoints) {
    if (endpoint.method !== method) continue;
    const params = matchSegments(endpoint.path.split('/').slice(1), segments);
    if (params) return { endpoint, params };
  }
  return undefined;
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const greedy = pattern.findIndex((part) => part.endsWith('*}'));
  let joined = segments;
  if (greedy !== -1) {
    const taken = segments.length - (pattern.length - 1);
    if (taken < 1) return undefined;
    joined = [...segments.slice(0, greedy), segments.slice(greedy, greedy + taken).join('/'), ...segments.slice(greedy + taken)];
  }
  if (joined.length !== pattern.length) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (const [index, part] of pattern.entries()) {
    const segment = joined[index]!;
    if (part.startsWith('{') && part.endsWith('}')) {
      if (segment === '') return undefined;
      const decoded = decodeSegment(segment);
      if (decoded === undefined) return undefined;
      params[part.slice(1, part.endsWith('*}') ? -2 : -1)] = decoded;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The most an upgrade request (attach, exec start) may carry as its body: a few small fields. */
const MAX_UPGRADE_BODY = 16 * 1024;

/**
 * The body of a request that asks to take over the connection. Node hands such a request over
 * before its body is read, so the body (Content-Length bytes) sits at the start of what follows
 * the headers, and the rest is the client's stream: stdin for the process.
 */
export async function readUpgradeBody(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<{ json: () => Promise<unknown>; rest: Buffer }> {
  const length = Number(request.headers['content-length'] ?? 0);
  if (!Number.isInteger(length) || length < 0) throw new BoundaryError(400, 'the Content-Length of this request is not a number');
  if (length > MAX_UPGRADE_BODY) throw new BoundaryError(413, `a request body larger than ${MAX_UPGRADE_BODY / 1024} KiB is not accepted here`);
  let received = head;
  while (received.length < length) {
    const chunk = await new Promise<Buffer>((resolve, reject) => {
      const onData = (data: Buffer) => { cleanUp(); resolve(data); };
      const onEnd = () => { cleanUp(); reject(new BoundaryError(400, 'the request ended before its body')); };
      const cleanUp = () => { socket.off('data', onData); socket.off('end', onEnd); socket.off('close', onEnd); };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
    });
    received = Buffer.concat([received, chunk]);
  }
  socket.pause();
  const text = received.subarray(0, length).toString('utf8');
  const json = async () => {
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BoundaryError(400, 'the request body is not JSON');
    }
  };
  return { json, rest: received.subarray(length) };
}
