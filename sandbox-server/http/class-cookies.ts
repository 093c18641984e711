import type { FastifyReply, FastifyRequest } from 'fastify';

/** Holds `<learnerId>.<learnerKey>`: the browser's place in a class (docs/teaching.md). */
export const LEARNER_COOKIE = 'layerlab_learner';

/** A learner's cookie outlives any one session: a class runs for weeks. */
const LEARNER_COOKIE_DAYS = 180;

export function instructorCookieName(code: string): string {
  return `layerlab_instructor_${code}`;
}

export function classPath(code: string): string {
  return `/api/classes/${code}`;
}

export function setLearnerCookie(reply: FastifyReply, value: string, secure: boolean): void {
  reply.setCookie(LEARNER_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: LEARNER_COOKIE_DAYS * 24 * 3600 });
}

export function clearLearnerCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(LEARNER_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}

/** Only the class's own API paths ever carry its secret; SameSite=Strict keeps it off cross-site requests. */
export function setInstructorCookie(reply: FastifyReply, code: string, secret: string, secure: boolean): void {
  reply.setCookie(instructorCookieName(code), secret, { httpOnly: true, sameSite: 'strict', secure, path: classPath(code), maxAge: LEARNER_COOKIE_DAYS * 24 * 3600 });
}

/** The instructor secret a request presents: `Authorization: Bearer …` (the CLI), else the class's cookie (the dashboard). */
export function presentedSecret(request: FastifyRequest, code: string): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
  return request.cookies[instructorCookieName(code)];
}
