import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { SandboxContext } from '../context.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { matchPreviewHost, parsePreviewHost, sessionForPreviewToken, type PreviewAddress } from './preview-host.ts';
import { resolvePublishedPort } from './published-port.ts';

/**
 * Preview hosts are answered before Fastify sees the request: none of the site's routes, hooks,
 * cookies, CSP or Host allow-list apply to what a learner's container serves, and nothing of the
 * site can be reached through a preview host. A request whose Host is no preview host goes on to
 * Fastify untouched (which refuses hosts it doesn't know).
 */
export function servePreviews(server: Server, context: SandboxContext): void {
  const pattern = parsePreviewHost(context.config.previewHost);
  // ws: upgrades are proxied as upgrades; xfwd: the container sees who asked, as behind any proxy.
  const proxy = createProxyServer({ ws: true, xfwd: true, proxyTimeout: 60_000 });
  proxy.on('proxyRes', (proxyRes) => dropCookieTossing(proxyRes));
  proxy.on('error', (error, _request, target) => {
    context.log.debug({ err: error }, 'preview proxy');
    const message = `The container publishing this port did not answer (${(error as NodeJS.ErrnoException).code ?? error.message}); is its server running and listening on that port?\n`;
    if ('writeHead' in target) refuse(target as ServerResponse, 502, message);
    else refuseSocket(target as Duplex, 502, message);
  });

  const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean;
  server.emit = ((event: string, ...args: unknown[]) => {
    if (event !== 'request' && event !== 'upgrade') return emit(event, ...args);
    const request = args[0] as IncomingMessage;
    const address = matchPreviewHost(pattern, request.headers.host);
    if (!address) return emit(event, ...args);
    stripSiteCookie(request);
    if (event === 'request') void answer(request, args[1] as ServerResponse, address);
    else void answerUpgrade(request, args[1] as Duplex, args[2] as Buffer, address);
    return true;
  }) as typeof server.emit;

  async function targetFor(address: PreviewAddress): Promise<{ url?: string; status: number; message: string }> {
    const session = sessionForPreviewToken(context.store, address.token);
    if (!session) {
      return { status: 404, message: 'No Layerlab session has this preview address (it may have ended); open the Preview tab of your lesson for the current one.\n' };
    }
    try {
      const target = await resolvePublishedPort(context.engineFor(session), address.port);
      if (!target) {
        return { status: 502, message: `No running container in this session publishes port ${address.port}; run one with -p ${address.port}:<its port>.\n` };
      }
      return { url: `http://${target.address}:${target.port}`, status: 200, message: '' };
    } catch (error) {
      context.log.warn({ err: error }, 'preview lookup failed');
      return { status: 502, message: 'The sandbox could not look up this preview (the engine did not answer); try again in a moment.\n' };
    }
  }

  async function answer(request: IncomingMessage, response: ServerResponse, address: PreviewAddress): Promise<void> {
    const target = await targetFor(address);
    if (!target.url) return refuse(response, target.status, target.message);
    proxy.web(request, response, { target: target.url });
  }

  async function answerUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, address: PreviewAddress): Promise<void> {
    socket.on('error', () => socket.destroy());
    const target = await targetFor(address);
    if (!target.url) return refuseSocket(socket, target.status, target.message);
    proxy.ws(request, socket, head, { target: target.url });
  }
}

/** The site's cookie never goes to a container, whatever a browser sends; the learner's app's own cookies do. */
function stripSiteCookie(request: IncomingMessage): void {
  const header = request.headers.cookie;
  if (!header) return;
  const kept = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && pair.split('=', 1)[0]!.trim() !== SESSION_COOKIE);
  if (kept.length === 0) delete request.headers.cookie;
  else request.headers.cookie = kept.join('; ');
}

/**
 * A preview may set cookies for its own host only: one with a Domain attribute could reach the
 * parent domain, the site's (Domain=localhost), and shadow the learner's session cookie there.
 */
function dropCookieTossing(proxyRes: IncomingMessage): void {
  const cookies = proxyRes.headers['set-cookie'];
  if (!cookies) return;
  const kept = cookies.filter((line) => !line.toLowerCase().split(';').some((part) => part.trim().startsWith('domain=')));
  if (kept.length === 0) delete proxyRes.headers['set-cookie'];
  else proxyRes.headers['set-cookie'] = kept;
}

/** How soon a preview that got no answer from the container asks again. */
const RETRY_SECONDS = 2;

function refuse(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(message),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    // A server that is still starting, or a container not run yet, usually answers a moment later:
    // the preview asks again by itself rather than keep showing this.
    ...(status === 502 ? { refresh: String(RETRY_SECONDS) } : {}),
  });
  response.end(message);
}

function refuseSocket(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const reason = status === 404 ? 'Not Found' : 'Bad Gateway';
  socket.end(
    [`HTTP/1.1 ${status} ${reason}`, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(message)}`, 'Connection: close', '', message].join('\r\n'),
  );
}
