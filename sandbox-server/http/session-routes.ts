import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from '../context.ts';
import type { Session } from '../sessions/session.ts';
import { AddressLimitError, SessionLimitError } from '../sessions/store.ts';
import { checkWorkspace, filesFromObject, filesToObject, WorkspaceError } from '../sessions/workspace.ts';
import { originAllowed } from './origin.ts';
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

  /** State changes need the page's own origin: a cross-site form can't drive a learner's sandbox. */
  const requireOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!originAllowed(request, config.allowedOrigins)) {
      return reply.code(403).send({ error: 'this request must come from the Layerlab page itself (Origin check)' });
    }
  };

  const requireSession = (request: FastifyRequest, reply: FastifyReply): Session | undefined => {
    const session = sessionFromRequest(request, store);
    if (!session) {
      void reply.code(401).send({ error: 'no session: open a lesson page (or POST /api/session) first' });
      return undefined;
    }
    store.touch(session);
    return session;
  };

  /**
   * The editor's files reach the shell's before the answer, so the next command sees them. A
   * workbench not yet open takes the session's files when it opens.
   */
  const toWorkbench = async (session: Session, changes: ReadonlyMap<string, string | null>, options: { replace?: boolean } = {}) => {
    const workbench = await context.workbenches.opened(session);
    await workbench?.writeFiles(changes, options);
  };

  const badRequest = (reply: FastifyReply, error: unknown) => {
    const message =
      error instanceof z.ZodError
        ? error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')
        : (error as Error).message;
    return reply.code(400).send({ error: message });
  };

  app.post(
    '/api/session',
    {
      preHandler: requireOrigin,
      config: { rateLimit: { max: config.policy.sessions.perAddressPerHour, timeWindow: '1 hour' } },
    },
    async (request, reply) => {
      const parsed = SessionRequest.safeParse(request.body ?? {});
      if (!parsed.success) return badRequest(reply, parsed.error);
      const { lessonId, files } = parsed.data;
      const lesson = lessonId === undefined ? undefined : lessons.get(lessonId);
      if (lessonId !== undefined && !lesson) return reply.code(404).send({ error: `there is no lesson "${lessonId}"` });
      try {
        if (files) checkWorkspace(files, config.policy);
      } catch (error) {
        if (error instanceof WorkspaceError) return badRequest(reply, error);
        throw error;
      }
      let session = sessionFromRequest(request, store);
      if (!session) {
        try {
          session = store.create(new Map(), undefined, request.ip, context.warmPool.take());
        } catch (error) {
          if (error instanceof SessionLimitError) return reply.code(error instanceof AddressLimitError ? 429 : 503).send({ error: error.message });
          throw error;
        }
      }
      let replaced = false;
      if (lesson && (session.record.lessonId !== lesson.id || files)) {
        session.record.lessonId = lesson.id;
        session.record.files = files ?? filesFromObject(lesson.frontmatter.files);
        replaced = true;
      } else if (files) {
        session.record.files = files;
        replaced = true;
      }
      store.touch(session);
      setSessionCookie(reply, session, config.secureCookies);
      if (replaced) await toWorkbench(session, session.files, { replace: true });
      return describe(session, context);
    },
  );

  app.get('/api/session', async (request, reply) => {
    const session = requireSession(request, reply);
    if (session) return describe(session, context);
  });

  app.get('/api/workspace', async (request, reply) => {
    const session = requireSession(request, reply);
    if (session) return { files: filesToObject(session.files) };
  });

  app.put('/api/workspace', { preHandler: requireOrigin }, async (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return;
    const parsed = WorkspaceReplace.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    try {
      checkWorkspace(parsed.data.files, config.policy);
    } catch (error) {
      return badRequest(reply, error);
    }
    session.record.files = parsed.data.files;
    store.changed();
    await toWorkbench(session, session.files, { replace: true });
    return { files: filesToObject(session.files) };
  });

  app.patch('/api/workspace', { preHandler: requireOrigin }, async (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return;
    const parsed = WorkspacePatch.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const next = new Map(session.files);
    for (const [path, content] of parsed.data.changes) {
      if (content === null) next.delete(path);
      else next.set(path, content);
    }
    try {
      checkWorkspace(next, config.policy);
    } catch (error) {
      return badRequest(reply, error);
    }
    session.record.files = next;
    store.changed();
    await toWorkbench(session, new Map(parsed.data.changes));
    return { files: filesToObject(session.files) };
  });
}
