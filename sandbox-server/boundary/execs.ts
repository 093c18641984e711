import { z } from 'zod';
import { PROC_REFUSAL, underProc } from '../policy/proc-paths.ts';
import { REFUSALS } from '../policy/refusals.ts';
import { BoundaryError } from './api.ts';
import { fieldError } from './container-create.ts';
import { requireContainer } from './containers.ts';
import { forwardToEngine, hijackEngine } from './engine-forward.ts';
import { parseQuery, querySchema } from './query.ts';
import type { Endpoint, EndpointContext } from './router.ts';

/**
 * `docker exec`: a process in one of the session's running containers, never privileged and never
 * in a working directory under /proc. An exec ID is the engine's, so each use of one checks that
 * its container is the session's; another session's exec answers as one that never existed.
 */

const execBody = z.strictObject({
  AttachStdin: z.boolean().optional(),
  AttachStdout: z.boolean().optional(),
  AttachStderr: z.boolean().optional(),
  Detach: z.boolean().optional(),
  DetachKeys: z.string().max(32).optional(),
  Tty: z.boolean().optional(),
  Env: z.array(z.string().max(32 * 1024)).max(256).nullable().optional(),
  Cmd: z.array(z.string().max(32 * 1024)).min(1).max(1024),
  Privileged: z.boolean().optional(),
  User: z.string().max(64).optional(),
  WorkingDir: z.string().max(4096).optional(),
  ConsoleSize: z.array(z.number().int().min(0).max(10_000)).max(2).nullable().optional(),
});

async function requireExec({ docker, engine, params }: EndpointContext): Promise<string> {
  const id = params.id!;
  if (!/^[0-9a-f]{64}$/.test(id)) throw new BoundaryError(404, `No such exec instance: ${id}`);
  const info = await docker.getExec(id).inspect().catch(() => undefined);
  const visible = info ? (await engine.containers({ all: true })).some((container) => container.id === info.ContainerID) : false;
  if (!info || !visible) throw new BoundaryError(404, `No such exec instance: ${id}`);
  return id;
}

export const EXEC_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'POST',
    path: '/containers/{id}/exec',
    async handle({ engine, docker, params, query, json }) {
      parseQuery(querySchema({}), query);
      const parsed = execBody.safeParse(await json());
      if (!parsed.success) throw fieldError(parsed.error.issues[0]!);
      const body = parsed.data;
      if (body.Privileged) throw new BoundaryError(403, REFUSALS.privilegedExec);
      if (body.WorkingDir && underProc(body.WorkingDir)) throw new BoundaryError(403, PROC_REFUSAL);
      const container = await requireContainer(engine, params.id!);
      if (container.state !== 'running') throw new BoundaryError(409, `Container ${container.id} is not running`);
      const exec = await docker.getContainer(container.id).exec({
        AttachStdin: body.AttachStdin ?? false,
        AttachStdout: body.AttachStdout ?? false,
        AttachStderr: body.AttachStderr ?? false,
        DetachKeys: body.DetachKeys,
        Tty: body.Tty ?? false,
        Env: body.Env ?? undefined,
        Cmd: body.Cmd,
        Privileged: false,
        User: body.User || undefined,
        WorkingDir: body.WorkingDir || undefined,
      });
      return { json: { Id: exec.id }, status: 201 };
    },
  },
  {
    method: 'POST',
    path: '/exec/{id}/start',
    async hijack(context, client, head) {
      parseQuery(querySchema({}), context.query);
      const id = await requireExec(context);
      const body = z.strictObject({ Detach: z.boolean().optional(), Tty: z.boolean().optional(), ConsoleSize: z.array(z.number().int()).max(2).nullable().optional() }).safeParse((await context.json()) ?? {});
      if (!body.success) throw new BoundaryError(400, 'the exec start body holds fields that are not accepted here');
      const release = context.holdStream();
      try {
        await hijackEngine(context.engineSocket, 'POST', `/v1.41/exec/${id}/start`, client, head, { Detach: body.data.Detach ?? false, Tty: body.data.Tty ?? false });
      } finally {
        release();
      }
    },
  },
  {
    method: 'POST',
    path: '/exec/{id}/resize',
    async handle(context, response) {
      const { h, w } = parseQuery(querySchema({ h: z.string().regex(/^\d{1,5}$/).optional(), w: z.string().regex(/^\d{1,5}$/).optional() }), context.query);
      const id = await requireExec(context);
      await forwardToEngine(context.engineSocket, 'POST', `/v1.41/exec/${id}/resize?h=${h ?? 0}&w=${w ?? 0}`, response);
      return { streamed: true };
    },
  },
  {
    method: 'GET',
    path: '/exec/{id}/json',
    async handle(context) {
      parseQuery(querySchema({}), context.query);
      const id = await requireExec(context);
      const info = await context.docker.getExec(id).inspect();
      return { json: JSON.parse(context.engine.namespace.scrub(JSON.stringify(info))) };
    },
  },
];
