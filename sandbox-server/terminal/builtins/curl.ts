import http from 'node:http';
import { resolvePublishedPort } from '../../preview/published-port.ts';
import type { CommandContext, CommandDefinition } from '../command.ts';
import { FlagError, parseFlags } from '../docker/flags.ts';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]']);
const BODY_LIMIT = 256 * 1024;

interface CurlTarget {
  host: string;
  port: number;
  path: string;
}

function parseUrl(text: string): CurlTarget | undefined {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${text}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== 'http:') return undefined;
    return { host: url.hostname, port: Number(url.port || 80), path: `${url.pathname}${url.search}` };
  } catch {
    return undefined;
  }
}

/**
 * curl for published ports: "curl localhost:8080" reaches the container published with
 * -p 8080:..., through the session's private network. Nothing else is reachable.
 */
async function curl(args: string[], { engine, io }: CommandContext): Promise<number> {
  let flags;
  try {
    flags = parseFlags(
      args,
      [
        { long: 'include', short: 'i', kind: 'bool', help: 'Include response headers' },
        { long: 'head', short: 'I', kind: 'bool', help: 'Show headers only' },
        { long: 'silent', short: 's', kind: 'bool', help: 'Silent mode' },
        { long: 'request', short: 'X', kind: 'string', help: 'Request method' },
        { long: 'fail', short: 'f', kind: 'bool', help: 'Fail on HTTP errors' },
      ],
      { command: 'curl' },
    );
  } catch (error) {
    if (error instanceof FlagError) {
      io.err(`curl: ${error.message.replace(/See 'curl --help'\./, "this curl knows -i, -I, -s, -f and -X")}\n`);
      return 2;
    }
    throw error;
  }
  const [text] = flags.positionals;
  if (!text) {
    io.err('curl: no URL specified; try curl localhost:8080\n');
    return 2;
  }
  const target = parseUrl(text);
  if (!target) {
    io.err(`curl: (1) Protocol not supported here: ${text} (use http://localhost:PORT)\n`);
    return 1;
  }
  if (!LOCAL_HOSTS.has(target.host)) {
    io.err(
      `curl: (6) Could not resolve host: ${target.host} (this sandbox has no internet; curl reaches the ports you publish with -p, like curl localhost:8080)\n`,
    );
    return 6;
  }
  const published = await resolvePublishedPort(engine, target.port);
  if (!published) {
    io.err(
      `curl: (7) Failed to connect to ${target.host} port ${target.port}: Connection refused (no running container publishes port ${target.port}; run one with -p ${target.port}:PORT)\n`,
    );
    return 7;
  }
  const method = flags.bools.has('head') ? 'HEAD' : (flags.strings.get('request') ?? 'GET').toUpperCase();
  // A server started by `docker run -d` a moment ago may not be listening yet; by the time a person
  // types curl it usually is. So a refused connection is tried again for two seconds.
  for (let attempt = 0; ; attempt++) {
    const outcome = await new Promise<number | 'refused'>((resolve) => {
      const request = http.request(
        {
          host: published.address,
          port: published.port,
          path: target.path,
          method,
          headers: { host: `${target.host}:${target.port}`, 'user-agent': 'curl/7.88.1', accept: '*/*' },
          timeout: 10_000,
          signal: io.signal,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (flags.bools.has('fail') && status >= 400) {
            response.resume();
            io.err(`curl: (22) The requested URL returned error: ${status}\n`);
            resolve(22);
            return;
          }
          if (flags.bools.has('include') || flags.bools.has('head')) {
            io.out(`HTTP/${response.httpVersion} ${status} ${response.statusMessage ?? ''}\n`);
            for (let i = 0; i < response.rawHeaders.length; i += 2) {
              io.out(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}\n`);
            }
            io.out('\n');
          }
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received <= BODY_LIMIT) io.out(chunk.toString('utf8'));
          });
          response.on('end', () => {
            if (received > BODY_LIMIT) io.err(`\n[curl: the body was ${received} bytes; only the first ${BODY_LIMIT} are shown]\n`);
            resolve(0);
          });
          response.on('error', () => resolve(56));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => {
        if (io.signal.aborted) return resolve(130);
        if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return resolve('refused');
        const timedOut = error.message === 'timeout';
        io.err(timedOut ? `curl: (28) Operation timed out after 10000 milliseconds\n` : `curl: (56) ${error.message}\n`);
        resolve(timedOut ? 28 : 56);
      });
      request.end();
    });
    if (outcome !== 'refused') return outcome;
    if (attempt >= 10 || io.signal.aborted) {
      io.err(
        `curl: (7) Failed to connect to ${target.host} port ${target.port}: Connection refused (the container publishes ${target.port} but nothing listens on its port ${published.port})\n`,
      );
      return 7;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const curlCommand: CommandDefinition = {
  name: 'curl',
  summary: 'Fetch a URL from a published port: curl localhost:8080',
  run: curl,
};
