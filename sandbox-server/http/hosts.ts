import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * DNS rebinding: a page on evil.example can point that name at 127.0.0.1 and then talk to this
 * server as a same-origin page, with a matching Origin. The Host header gives it away, so only
 * host names this server is known by are served: the loopback names, any IP address typed as
 * one (no rebinding can forge that), the configured public origins' hosts and
 * LAYERLAB_ALLOWED_HOSTS.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** The hostname of a Host header, lowercased, without its port. */
export function hostnameOf(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon >= 0 && lower.indexOf(':') === colon ? lower.slice(0, colon) : lower;
}

export function allowedHostnames(options: { allowedHosts: string[]; allowedOrigins: string[] }): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  for (const host of options.allowedHosts) names.add(hostnameOf(host));
  for (const origin of options.allowedOrigins) {
    try {
      names.add(hostnameOf(new URL(origin).host));
    } catch {
      // an origin that is not a URL allows nothing
    }
  }
  return names;
}

export function hostAllowed(host: string | undefined, allowed: Set<string>): boolean {
  if (!host) return false;
  const name = hostnameOf(host);
  return allowed.has(name) || isIP(name.replace(/^\[|\]$/g, '')) !== 0;
}

export function unknownHostMessage(host: string | undefined): string {
  return `This Layerlab server is not served as ${host ?? '(no Host)'}; an operator can add the name to LAYERLAB_ALLOWED_HOSTS.\n`;
}

/**
 * Every request, upgrades included. An upgrade request owns its socket (no reply through Fastify
 * would end it, and it would stay open), so its refusal is written on the socket, which is closed.
 */
export function refuseUnknownHosts(app: FastifyInstance, allowed: Set<string>): void {
  app.addHook('onRequest', async (request, reply) => {
    if (hostAllowed(request.headers.host, allowed)) return;
    const message = unknownHostMessage(request.headers.host);
    if (!request.headers.upgrade) return reply.code(421).type('text/plain').send(message);
    reply.hijack();
    request.raw.socket.end(
      [
        'HTTP/1.1 421 Misdirected Request',
        'Content-Type: text/plain; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(message)}`,
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'",
        'X-Frame-Options: DENY',
        'X-Content-Type-Options: nosniff',
        'Connection: close',
        '',
        message,
      ].join('\r\n'),
    );
  });
}
