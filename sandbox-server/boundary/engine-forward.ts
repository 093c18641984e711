import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { BoundaryError } from './api.ts';
import { createInterface } from 'node:readline';
import type { Duplex, Readable } from 'node:stream';

/**
 * The engine's streams (logs, wait, attach), passed through byte for byte once the boundary has
 * decided what may be asked. The path is always one the boundary wrote, never the learner's.
 */

/** Forwards one request to the engine and streams its answer back as it comes. */
export interface ForwardOptions {
  /** A JSON body to send. */
  body?: unknown;
  /** A request body streamed through as it comes (a tar for `docker cp`), cut off past `maxUpload` bytes. */
  upload?: Readable;
  maxUpload?: number;
  uploadType?: string;
  /** Rewrites each line of the answer (events), for streams that name engine objects. */
  eachLine?: (line: string) => string | undefined;
}

/** The answer headers the CLI reads, and no others. */
const PASSED_HEADERS = ['content-type', 'api-version', 'ostype', 'docker-experimental', 'x-docker-container-path-stat'];

export function forwardToEngine(engineSocket: string, method: string, path: string, response: ServerResponse, options: ForwardOptions = {}): Promise<void> {
  // The learner may have gone while the boundary looked the object up: then there is nothing to follow.
  if (response.destroyed || response.socket?.destroyed) return Promise.resolve();
  return new Promise((resolve, rejectWith) => {
    // Once the learner's side has gone (Ctrl-C on docker logs -f, docker events), the engine's
    // stream is cut on purpose: the errors that follow are the end, not a failure.
    let clientGone = false;
    const reject = (error: unknown) => (clientGone ? resolve() : rejectWith(error));
    const text = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | number> =
      text !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } : options.upload ? { 'Content-Type': options.uploadType ?? 'application/x-tar', 'Transfer-Encoding': 'chunked' } : {};
    const outgoing = http.request({ socketPath: engineSocket, method, path, headers }, (incoming) => {
      const passed: Record<string, string> = {};
      for (const name of PASSED_HEADERS) {
        const value = incoming.headers[name];
        if (typeof value === 'string') passed[name] = value;
      }
      response.writeHead(incoming.statusCode ?? 500, passed);
      // The CLI waits for the headers of a long answer (wait, logs -f) before it goes on to start the container.
      response.flushHeaders();
      if (options.eachLine) {
        const lines = createInterface({ input: incoming, crlfDelay: Infinity });
        lines.on('line', (line) => {
          const shown = options.eachLine!(line);
          if (shown !== undefined) response.write(`${shown}\n`);
        });
        lines.on('close', () => {
          response.end();
          resolve();
        });
        lines.on('error', reject);
      } else {
        incoming.pipe(response);
        incoming.on('end', resolve);
      }
      incoming.on('error', reject);
    });
    // A learner who stops following (Ctrl-C on docker logs -f) ends the engine's stream too.
    response.on('close', () => {
      clientGone = true;
      outgoing.destroy();
    });
    outgoing.on('error', reject);
    if (options.upload) {
      let sent = 0;
      const limit = options.maxUpload ?? Number.POSITIVE_INFINITY;
      options.upload.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        if (sent > limit) {
          options.upload!.destroy();
          outgoing.destroy(new BoundaryError(413, `a copy into a container of more than ${limit} bytes is not accepted here`));
          return;
        }
        if (!outgoing.write(chunk)) {
          options.upload!.pause();
          outgoing.once('drain', () => options.upload!.resume());
        }
      });
      options.upload.on('end', () => outgoing.end());
      options.upload.on('error', (error) => outgoing.destroy(error));
    } else {
      outgoing.end(text);
    }
  });
}

/** Answers a hijacking request (attach, exec start) by joining the client's connection to the engine's. */
export function hijackEngine(engineSocket: string, method: string, path: string, client: Duplex, head: Buffer, body?: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const outgoing = http.request({
      socketPath: engineSocket,
      method,
      path,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
    });
    // A client that hangs up before the engine upgrades takes the engine's request with it.
    if (client.destroyed) {
      outgoing.destroy();
      return resolve();
    }
    const abandon = () => outgoing.destroy();
    client.once('close', abandon);
    outgoing.on('upgrade', (incoming, engine, engineHead) => {
      client.off('close', abandon);
      if (client.destroyed) {
        engine.destroy();
        return resolve();
      }
      const lines = [`HTTP/1.1 101 UPGRADED`, `Content-Type: ${incoming.headers['content-type'] ?? 'application/vnd.docker.raw-stream'}`, 'Connection: Upgrade', 'Upgrade: tcp', '', ''];
      client.write(lines.join('\r\n'));
      if (engineHead.length > 0) client.write(engineHead);
      if (head.length > 0) engine.write(head);
      engine.pipe(client);
      client.pipe(engine);
      const done = () => {
        engine.destroy();
        client.destroy();
        resolve();
      };
      engine.on('close', done);
      client.on('close', done);
      engine.on('error', done);
      client.on('error', done);
    });
    outgoing.on('response', (incoming) => {
      // The engine refused to upgrade (say, the container is gone): pass its answer on as it is.
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const payload = Buffer.concat(chunks);
        client.end(`HTTP/1.1 ${incoming.statusCode} ${incoming.statusMessage}\r\nContent-Type: ${incoming.headers['content-type'] ?? 'application/json'}\r\nContent-Length: ${payload.length}\r\n\r\n${payload.toString('utf8')}`);
        resolve();
      });
    });
    outgoing.on('error', (error) => (client.destroyed ? resolve() : reject(error)));
    outgoing.end(text);
  });
}
