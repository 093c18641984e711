import type { FastifyInstance } from 'fastify';
import { evaluateChecks } from '../checks/evaluate.ts';
import type { SandboxContext } from '../context.ts';
import { originAllowed } from './origin.ts';
import { sessionFromRequest } from './session-cookie.ts';

export function registerCheckRoutes(app: FastifyInstance, context: SandboxContext): void {
  /** Runs the checks of the session's lesson; POST because each one asks the engine afresh. */
  app.post('/api/checks', async (request, reply) => {
    if (!originAllowed(request, context.config.allowedOrigins)) {
      return reply.code(403).send({ error: 'this request must come from the Layerlab page itself (Origin check)' });
    }
    const session = sessionFromRequest(request, context.store);
    if (!session) return reply.code(401).send({ error: 'no session: open a lesson page first' });
    const lessonId = session.record.lessonId;
    const lesson = lessonId === undefined ? undefined : context.lessons.get(lessonId);
    if (!lesson) return { lessonId: lessonId ?? null, results: [] };
    const results = await evaluateChecks(lesson.frontmatter.checks, { session, engine: context.engineFor(session) });
    return { lessonId: lesson.id, results };
  });
}
