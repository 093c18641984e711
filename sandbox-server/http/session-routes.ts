import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from '../context.ts';
import type { Session } from '../sessions/session.ts';
import { checkWorkspace, filesFromObject, filesToObject } from '../sessions/workspace.ts';
import { Refusal, sessionOf } from './guards.ts';
import { LEARNER_COOKIE } from './class-cookies.ts';
import { sessionFromRequest, setSessionCookie } from './session-cookie.ts';

/**
 * A JSON object of learner-named entries, read as its own [key, value] pairs: zod's record would
 * drop a file called `__proto__`, and a Map keeps every name a name.
 */
function entries<T extends z.ZodType>(value: T) {
  return z.preprocess(
    (input) => (input !== null && typeof input === 'object' && !Array.isArray(input) ? Object.entries(input) : input),
    z.array(z.tuple([z.string(), value])),
  );
}

const SessionRequest = z.object({
  /** Load this lesson's starter files (or `files`, when the browser kept the learner's edits). */
  lessonId: z.string().max(200).optional(),
  files: entries(z.string()).transform((pairs) => new Map(pairs)).optional(),
});

const WorkspaceReplace = z.object({ files: entries(z.string()).transform((pairs) => new Map(pairs)) });
/** path → new content, or null to delete the file. */
const WorkspacePatch = z.object({ changes: entries(z.string().nullable()) });

function describe(session: Session, context: SandboxContext) {
  const policy = context.config.policy.sessions;
  return {
    lessonId: session.record.lessonId ?? null,
    expiresAt: session.record.expiresAt,
    idleTimeoutMs: policy.idleTtlMs,
    files: filesToObject(session.files),
  };
}

export function registerSessionRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { store, config, lessons } = context;

  /**
   * The editor's files reach the shell's before the answer, so the next command sees them. A
   * workbench not yet open takes the session's files when it opens.
   */
  const toWorkbench = async (session: Session, changes: ReadonlyMap<string, string | null>, options: { replace?: boolean } = {}) => {
    const workbench = await context.workbenches.opened(session);
    await workbench?.writeFiles(changes, options);
  };

  // State changes need the page's own origin (guards.ts): a cross-site form can't drive a learner's sandbox.
  app.post(
    '/api/session',
    {
      config: { guard: { origin: true }, rateLimit: { max: config.policy.sessions.perAddressPerHour, timeWindow: '1 hour' } },
    },
    async (request, reply) => {
      const { lessonId, files } = SessionRequest.parse(request.body ?? {});
      const lesson = lessonId === undefined ? undefined : lessons.get(lessonId);
      if (lessonId !== undefined && !lesson) throw new Refusal(404, `there is no lesson "${lessonId}"`);
      if (files) checkWorkspace(files, config.policy);
      let session = sessionFromRequest(request, store);
      // A page that sends kept files into a new session tells the learner their old one is gone.
      const created = session === undefined;
      session ??= store.create(new Map(), undefined, request.ip, context.warmPool.take());
      let replaced = false;
      if (lesson && (session.record.lessonId !== lesson.id || files)) {
        session.record.lessonId = lesson.id;
        session.record.files = files ?? filesFromObject(lesson.files);
        replaced = true;
      } else if (files) {
        session.record.files = files;
        replaced = true;
      }
      store.touch(session);
      // A browser in a class records this session for its learner; one that left records nothing.
      const inClass = await context.classes.learnerFromCookie(request.cookies[LEARNER_COOKIE]);
      context.classes.link(session, inClass?.learner, inClass?.class);
      setSessionCookie(reply, session, config.secureCookies);
      if (replaced) await toWorkbench(session, session.files, { replace: true });
      return { ...describe(session, context), created };
    },
  );

  app.get('/api/session', { config: { guard: { session: true } } }, async (request) => describe(sessionOf(request), context));

  app.get('/api/workspace', { config: { guard: { session: true } } }, async (request) => ({ files: filesToObject(sessionOf(request).files) }));

  app.put('/api/workspace', { config: { guard: { origin: true, session: true } } }, async (request) => {
    const session = sessionOf(request);
    const { files } = WorkspaceReplace.parse(request.body);
    checkWorkspace(files, config.policy);
    session.record.files = files;
    store.changed();
    await toWorkbench(session, session.files, { replace: true });
    return { files: filesToObject(session.files) };
  });

  app.patch('/api/workspace', { config: { guard: { origin: true, session: true } } }, async (request) => {
    const session = sessionOf(request);
    const { changes } = WorkspacePatch.parse(request.body);
    const next = new Map(session.files);
    for (const [path, content] of changes) {
      if (content === null) next.delete(path);
      else next.set(path, content);
    }
    checkWorkspace(next, config.policy);
    session.record.files = next;
    store.changed();
    await toWorkbench(session, new Map(changes));
    return { files: filesToObject(session.files) };
  });
}
