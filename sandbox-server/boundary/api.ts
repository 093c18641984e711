import type { IncomingMessage, ServerResponse } from 'node:http';
import { ImageRuleError } from '../scope/image-operations.ts';
import { InvalidReferenceError, parseReference, type ImageReference } from '../scope/reference.ts';

/**
 * What every answer of the Engine API boundary shares: the API version it speaks (the engine's,
 * so the CLI negotiates the same one it would straight on the engine) and Docker's error shape,
 * which the CLI prints as "Error response from daemon: <message>".
 */

/** Docker Engine 20.10's API version, the one the workbench's CLI and Compose negotiate to. */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';

/** Thrown by a handler to answer in Docker's error shape; the message is one sentence. */
export class BoundaryError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The sentence for anything the allow-list lacks; the CLI shows it after "Error response from daemon:". */
export function notAllowed(method: string, path: string): BoundaryError {
  return new BoundaryError(403, `${method} ${path} is not available in this sandbox; run \`help\` in the terminal to see what is`);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Api-Version': API_VERSION,
    'Docker-Experimental': 'false',
    'Ostype': 'linux',
    'Server': `Docker/layerlab (linux)`,
  });
  response.end(text);
}

export function sendError(response: ServerResponse, error: BoundaryError): void {
  sendJson(response, error.status, { message: error.message });
}

/** `/v1.41/containers/json` → { version: '1.41', path: '/containers/json' }; an unversioned path speaks ours. */
export function splitVersion(path: string): { version: string; path: string } {
  if (!path.startsWith('/v')) return { version: API_VERSION, path };
  const slash = path.indexOf('/', 2);
  const version = path.slice(2, slash === -1 ? undefined : slash);
  if (!/^\d{1,2}\.\d{1,3}$/.test(version)) return { version: API_VERSION, path };
  return { version, path: slash === -1 ? '/' : path.slice(slash) };
}

/** The engine's rule: a client newer than the server is refused with this sentence; older ones are served. */
export function checkVersion(version: string): void {
  if (compareVersions(version, API_VERSION) > 0) {
    throw new BoundaryError(400, `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw new BoundaryError(400, `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
}

function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/**
 * Query parameters as one value per name; a repeated name is refused rather than guessed at,
 * except where the endpoint takes a list (`t` of a build), whose values are joined by newlines,
 * which none of them can hold.
 */
export function queryOf(request: IncomingMessage, lists: readonly string[] = []): Record<string, string> {
  const url = new URL(request.url ?? '/', 'http://boundary');
  const query: Record<string, string> = Object.create(null);
  for (const [name, value] of url.searchParams) {
    if (lists.includes(name)) {
      if (value.includes('\n')) throw new BoundaryError(400, `the query parameter ${name} holds a line break`);
      query[name] = name in query ? `${query[name]}\n${value}` : value;
      continue;
    }
    if (name in query) throw new BoundaryError(400, `the query parameter ${name} is given twice`);
    query[name] = value;
  }
  return query;
}

/** The shared image rules (scope/image-operations.ts) answer in the engine's words; this gives them the boundary's shape. */
export async function ruled<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ImageRuleError) throw new BoundaryError(error.status, error.message);
    throw error;
  }
}

/** An image name as the engine parses one, or the engine's 400. */
export function referenceOf(text: string): ImageReference {
  try {
    return parseReference(text);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new BoundaryError(400, 'invalid reference format');
    throw error;
  }
}

/**
 * What a prune does: removes each item the engine lets go (it refuses one still in use, which a
 * prune leaves) and answers the names of those removed, or null for none, as the engine does.
 */
export async function pruneEach<T>(items: readonly T[], remove: (item: T) => Promise<unknown>, name: (item: T) => string): Promise<string[] | null> {
  const removed: string[] = [];
  for (const item of items) await remove(item).then(() => removed.push(name(item)), () => undefined);
  return removed.length > 0 ? removed : null;
}
