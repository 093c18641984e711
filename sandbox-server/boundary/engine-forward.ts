import http from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The engine's streams (logs, wait, attach), passed through byte for byte once the boundary has
 * decided what may be asked. The path is always one the boundary wrote, never the learner's.
 */

/** Forwards one request to the engine and streams its answer back as it comes. */
export function forwardToEngine(engineSocket: string, method: string, path: string, response: ServerResponse, body?: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = http.request(
      { socketPath: engineSocket, method, path, headers: text === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } },
      (incoming) => {
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'api-version', 'ostype', 'docker-experimental']) {
          const value = incoming.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        response.writeHead(incoming.statusCode ?? 500, headers);
        // The CLI waits for the headers of a long answer (wait, logs -f) before it goes on to start the container.
        response.flushHeaders();
        incoming.pipe(response);
        incoming.on('end', resolve);
        incoming.on('error', reject);
      },
    );
    // A learner who stops following (Ctrl-C on docker logs -f) ends the engine's stream too.
    response.on('close', () => outgoing.destroy());
    outgoing.on('error', reject);
    outgoing.end(text);
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
    outgoing.on('upgrade', (incoming, engine, engineHead) => {
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
    outgoing.on('error', reject);
    outgoing.end(text);
  });
}
