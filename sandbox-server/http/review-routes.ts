import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sessionBaseImages } from '../build/review-lookup.ts';
import { holdsArchive } from '../build/context.ts';
import type { SandboxContext } from '../context.ts';
import { lessonPolicy } from '../policy/lesson-policy.ts';
import { reviewDockerfile, shownProblems } from '../policy/dockerfile-review.ts';
import { sessionOf } from './guards.ts';

/** Far above any lesson's Dockerfile; the editor asks again after each pause in typing. */
const MAX_REVIEW_CHARS = 64 * 1024;

const ReviewRequest = z.object({ text: z.string().max(MAX_REVIEW_CHARS, `a Dockerfile to review may hold ${MAX_REVIEW_CHARS} characters`) });

/**
 * The editor's markers for what the sandbox refuses: the very review a build runs, with the
 * session's base images and lesson, so the markers and the build can't disagree.
 */
export function registerReviewRoutes(app: FastifyInstance, context: SandboxContext): void {
  app.post(
    '/api/dockerfile/review',
    { config: { guard: { origin: true, session: true }, rateLimit: { max: 600, timeWindow: '1 minute' } } },
    async (request) => {
      const session = sessionOf(request);
      const { text } = ReviewRequest.parse(request.body);
      const lessonId = session.record.lessonId;
      const policy = lessonPolicy(context.config.policy, lessonId === undefined ? undefined : context.lessons.get(lessonId)?.frontmatter.sandbox);
      const review = await reviewDockerfile(text, {
        lookup: await sessionBaseImages(context.engineFor(session), context.docker, policy),
        contextHasArchive: holdsArchive(session.files),
      });
      return { problems: shownProblems(review.problems) };
    },
  );
}
