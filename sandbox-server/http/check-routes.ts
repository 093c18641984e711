import type { FastifyInstance } from 'fastify';
import { evaluateChecks } from '../checks/evaluate.ts';
import type { SandboxContext } from '../context.ts';
import { sessionOf } from './guards.ts';

export function registerCheckRoutes(app: FastifyInstance, context: SandboxContext): void {
  /** Runs the checks of the session's lesson; POST because each one asks the engine afresh. */
  app.post('/api/checks', { config: { guard: { origin: true, session: true } } }, async (request) => {
    const session = sessionOf(request);
    const lessonId = session.record.lessonId;
    const lesson = lessonId === undefined ? undefined : context.lessons.get(lessonId);
    if (!lesson) return { lessonId: lessonId ?? null, results: [] };
    const results = await evaluateChecks(lesson.frontmatter.checks, { session, engine: context.engineFor(session) });
    // A class learner's run is kept for their instructor (classes/class-service.ts).
    await context.classes.checksRan(session, lesson.id, results);
    return { lessonId: lesson.id, results };
  });
}
