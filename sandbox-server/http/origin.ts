import type { FastifyRequest } from 'fastify';

/**
 * The terminal socket and every state-changing request must come from a page this server served.
 * With no list configured, the Origin must name the host the request was sent to (which a page on
 * another site cannot forge); with LAYERLAB_ALLOWED_ORIGINS, it must match one entry exactly.
 */
export function originAllowed(request: FastifyRequest, allowedOrigins: string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return false;
  if (allowedOrigins.length > 0) return allowedOrigins.includes(origin);
  const host = request.headers.host;
  if (!host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}
