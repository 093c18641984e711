import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/store.ts';

export const SESSION_COOKIE = 'layerlab_session';

export function sessionFromRequest(request: FastifyRequest, store: SessionStore): Session | undefined {
  return store.get(request.cookies[SESSION_COOKIE]);
}

export function setSessionCookie(reply: FastifyReply, session: Session, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: new Date(session.record.expiresAt),
  });
}
