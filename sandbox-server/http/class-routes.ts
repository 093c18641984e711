import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checksCsv, commandJson, commandsCsv, exportJson, type ClassSnapshot } from '../classes/export.ts';
import { CLASS_LIMITS } from '../classes/limits.ts';
import { isoTime, progressOf } from '../classes/progress.ts';
import type { ClassRow, CommandRow } from '../classes/storage.ts';
import type { SandboxContext } from '../context.ts';
import { clearLearnerCookie, LEARNER_COOKIE, presentedSecret, setInstructorCookie, setLearnerCookie } from './class-cookies.ts';
import { Refusal } from './guards.ts';
import { sessionFromRequest } from './session-cookie.ts';

const CreateClass = z.strictObject({
  name: z.string().describe('what the class is called on its pages').trim().min(1, 'is empty').max(CLASS_LIMITS.nameLength, `is longer than ${CLASS_LIMITS.nameLength} characters`),
});

const JoinClass = z.strictObject({
  code: z.string().describe("the class's code, as the instructor gave it").max(40),
  nickname: z.string().describe('the name the instructor sees').max(400),
  learnerKey: z.string().describe("the learner's key, to continue as them on another computer").max(200).optional(),
});

const InstructorSignIn = z.strictObject({ secret: z.string().describe("the class's instructor secret").max(200) });

const ExportQuery = z.object({ table: z.enum(['checks', 'commands'], { error: 'is not checks or commands' }).optional().describe('which table the CSV holds') });

export const NEEDS_SECRET = "this needs the class's instructor secret";

/** The class an instructor request was let in to, set by `instructorOnly`. */
const instructorClasses = new WeakMap<FastifyRequest, ClassRow>();

export function instructorClassOf(request: FastifyRequest): ClassRow {
  const row = instructorClasses.get(request);
  if (!row) throw new Error(`${request.routeOptions.url} reads an instructor class its hook does not check`);
  return row;
}

/**
 * The hook every instructor endpoint runs before its handler (for the sockets, before the
 * upgrade): the class's own secret, as a bearer or its cookie, or 401. An unknown code answers the
 * same, so a guess learns nothing.
 */
export function instructorOnly(context: SandboxContext) {
  return async (request: FastifyRequest<{ Params: { code: string } }>) => {
    const row = await context.classes.classFor(request.params.code);
    if (!row || !context.classes.isInstructor(row, presentedSecret(request, row.code))) throw new Refusal(401, NEEDS_SECRET);
    instructorClasses.set(request, row);
  };
}

/** A request's body, or an empty object for a POST that sends none (Close has nothing to say). */
function bodyOf(request: FastifyRequest): unknown {
  return request.body ?? {};
}

export function registerClassRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { classes, config } = context;
  const secure = config.secureCookies;
  const instructor = instructorOnly(context);
  // Generous for a dashboard, far too few to try secrets.
  const instructorRate = { max: 600, timeWindow: '1 minute' };

  const learnerOf = (request: FastifyRequest) => classes.learnerFromCookie(request.cookies[LEARNER_COOKIE]);

  app.post(
    '/api/classes',
    { config: { guard: { origin: true }, rateLimit: { max: CLASS_LIMITS.classesPerAddressPerHour, timeWindow: '1 hour' } } },
    async (request, reply) => {
      const { name } = CreateClass.parse(bodyOf(request));
      const { row, instructorSecret } = await classes.createClass(name);
      return reply.code(201).send({
        code: row.code,
        name: row.name,
        instructorSecret,
        joinPath: `/class/join/?code=${row.code}`,
        dashboardPath: `/class/dashboard/?code=${row.code}`,
      });
    },
  );

  app.post(
    '/api/classes/join',
    { config: { guard: { origin: true }, rateLimit: { max: CLASS_LIMITS.joinsPerAddressPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const body = JoinClass.parse(bodyOf(request));
      const current = await learnerOf(request);
      // A ClassRefusal carries its 4xx status, which the one error handler answers as it is (guards.ts).
      const joined = await classes.join({ ...body, current });
      setLearnerCookie(reply, `${joined.learner.id}.${joined.learnerKey}`, secure);
      // The lesson open in this browser records for the learner from now on.
      const session = sessionFromRequest(request, context.store);
      if (session) classes.link(session, joined.learner, joined.class);
      return {
        class: { code: joined.class.code, name: joined.class.name },
        learner: { id: joined.learner.id, nickname: joined.learner.nickname },
        learnerKey: joined.learnerKey,
      };
    },
  );

  // A learner key is 144 random bits; the limit keeps a cookie-by-cookie guesser from even trying.
  app.get('/api/classes/me', { config: { rateLimit: { max: CLASS_LIMITS.meRequestsPerAddressPerMinute, timeWindow: '1 minute' } } }, async (request) => {
    const found = await learnerOf(request);
    if (!found) throw new Refusal(404, 'this browser is in no class; join one at /class/');
    return {
      class: { code: found.class.code, name: found.class.name, closed: found.class.closedAt !== null },
      learner: { id: found.learner.id, nickname: found.learner.nickname },
      progress: progressOf(await classes.storage.learnerChecks(found.learner.id)),
    };
  });

  app.post('/api/classes/leave', { config: { guard: { origin: true } } }, async (request, reply) => {
    clearLearnerCookie(reply, secure);
    const session = sessionFromRequest(request, context.store);
    if (session) classes.link(session, undefined, undefined);
    return reply.code(204).send();
  });

  app.post<{ Params: { code: string } }>(
    '/api/classes/:code/instructor',
    { config: { guard: { origin: true }, rateLimit: { max: CLASS_LIMITS.instructorSignInsPerAddressPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const { secret } = InstructorSignIn.parse(bodyOf(request));
      const row = await classes.classFor(request.params.code);
      if (!row || !classes.isInstructor(row, secret)) throw new Refusal(401, NEEDS_SECRET);
      setInstructorCookie(reply, row.code, secret, secure);
      return reply.code(204).send();
    },
  );

  const asInstructor = { preValidation: instructor, config: { rateLimit: instructorRate } };

  app.get<{ Params: { code: string } }>('/api/classes/:code', asInstructor, async (request) => {
    const row = instructorClassOf(request);
    return {
      class: { code: row.code, name: row.name, createdAt: isoTime(row.createdAt), closedAt: isoTime(row.closedAt) },
      lessons: classes.lessonsOutline(),
      learners: await classes.roster(row),
    };
  });

  app.get<{ Params: { code: string; learnerId: string } }>('/api/classes/:code/learners/:learnerId/commands', asInstructor, async (request) => {
    const row = instructorClassOf(request);
    const learner = await classes.storage.learnerById(request.params.learnerId);
    if (!learner || learner.classCode !== row.code) throw new Refusal(404, `class ${row.code} has no learner "${request.params.learnerId.slice(0, 40)}"`);
    return { commands: (await classes.storage.commands(learner.id)).map(commandJson) };
  });

  const snapshotOf = async (row: ClassRow): Promise<ClassSnapshot> => {
    const learners = await classes.storage.learners(row.code);
    const commands = new Map<string, CommandRow[]>();
    for (const learner of learners) commands.set(learner.id, await classes.storage.commands(learner.id));
    return { class: row, lessons: classes.lessonsOutline(), learners, checks: await classes.storage.classChecks(row.code), commands };
  };

  const download = (reply: FastifyReply, row: ClassRow, extension: string) =>
    reply.header('content-disposition', `attachment; filename="class-${row.code}.${extension}"`);

  app.get<{ Params: { code: string } }>('/api/classes/:code/export.json', asInstructor, async (request, reply) => {
    const row = instructorClassOf(request);
    download(reply, row, 'json');
    return exportJson(await snapshotOf(row));
  });

  app.get<{ Params: { code: string } }>('/api/classes/:code/export.csv', asInstructor, async (request, reply) => {
    const row = instructorClassOf(request);
    const { table } = ExportQuery.parse(request.query);
    const snapshot = await snapshotOf(row);
    download(reply, row, table === 'commands' ? 'commands.csv' : 'csv');
    return reply.type('text/csv; charset=utf-8').send(table === 'commands' ? commandsCsv(snapshot) : checksCsv(snapshot));
  });

  app.post<{ Params: { code: string } }>('/api/classes/:code/close', { ...asInstructor, config: { ...asInstructor.config, guard: { origin: true } } }, async (request) => {
    const closedAt = await classes.closeClass(instructorClassOf(request));
    return { closedAt: isoTime(closedAt) };
  });

}
