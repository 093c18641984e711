import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from '../context.ts';
import type { Session } from '../sessions/session.ts';
import { AddressLimitError, SessionLimitError } from '../sessions/store.ts';
import { WorkspaceError } from '../sessions/workspace.ts';
import { allowedHostnames, refuseUnknownHosts } from './hosts.ts';
import { originAllowed } from './origin.ts';
import { sessionFromRequest } from './session-cookie.ts';

/**
 * What a route asks of a request before its handler runs, declared in its options:
 * `config: { guard: { origin: true, session: true } }`.
 */
export interface Guard {
  /** The request must come from a page this server served (the Origin check): state changes and the terminal. */
  origin?: boolean;
  /** The request must carry a live session cookie; the handler finds the session with `sessionOf`. */
  session?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    guard?: Guard;
  }
  interface FastifyRequest {
    /** The learner's session, when the route's guard asked for one. */
    learnerSession: Session | null;
  }
}

/** A request refused with a status and a sentence; the one error handler answers it as `{ error }`. */
export class Refusal extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

/** The session the route's guard found; only for routes whose guard has `session: true`. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.learnerSession) throw new Error(`${request.routeOptions.url} reads a session its guard does not ask for`);
  return request.learnerSession;
}

/**
 * Every HTTP guard in one place, in the order a request meets them: the Host (DNS rebinding),
 * then the route's own Origin and session checks, all before the body is read, and one error
 * handler that answers every refusal, bad body and failure as a JSON sentence. Rate limits are
 * declared on the routes (`config.rateLimit`) and answered by the same handler.
 */
export function registerGuards(app: FastifyInstance, context: SandboxContext): void {
  refuseUnknownHosts(app, allowedHostnames(context.config));
  app.decorateRequest('learnerSession', null);
  // preParsing: after the cookies are read, before the body is. (A terminal handshake refused in
  // onRequest keeps its socket open past @fastify/websocket, and the server's close waits on it.)
  app.addHook('preParsing', async (request) => {
    const guard = request.routeOptions.config.guard;
    if (!guard) return;
    if (guard.origin && !originAllowed(request, context.config.allowedOrigins)) {
      throw new Refusal(403, 'this request must come from the Layerlab page itself (Origin check)');
    }
    if (guard.session) {
      const session = sessionFromRequest(request, context.store);
      if (!session) throw new Refusal(401, 'no session: open a lesson page (or POST /api/session) first');
      context.store.touch(session);
      request.learnerSession = session;
    }
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const { status, message } = answerFor(error);
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.code(status).send({ error: message });
  });
}

function answerFor(error: FastifyError | Error): { status: number; message: string } {
  if (error instanceof Refusal) return { status: error.statusCode, message: error.message };
  if (error instanceof z.ZodError) {
    return { status: 400, message: error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ') };
  }
  if (error instanceof WorkspaceError) return { status: 400, message: error.message };
  if (error instanceof SessionLimitError) return { status: error instanceof AddressLimitError ? 429 : 503, message: error.message };
  // Fastify's own (an unreadable body, one over the size limit) and the rate limiter's carry a 4xx status.
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return { status, message: error.message };
  return { status: 500, message: 'the sandbox server failed on this request; the operator can find it in the server log' };
}
