import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BoundaryError } from '../boundary/api.ts';
import { requireContainer } from '../boundary/containers.ts';
import type { SandboxContext } from '../context.ts';
import { engineMessage, isConflict, isNotFound } from '../engine/errors.ts';
import { EngineEventHub } from '../engine/event-hub.ts';
import { concernsSession, engineSnapshot, lastLogLines, MAX_LOG_LINES } from '../scope/engine-snapshot.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import { OBJECT_NAME } from '../scope/object-names.ts';
import type { Session } from '../sessions/session.ts';
import { Refusal, sessionOf } from './guards.ts';

/** A burst (a compose up, a prune) becomes one snapshot. */
const DEBOUNCE_MS = 150;
/** Keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;
/** Open panels per session (tabs of one learner); more is a runaway page. */
const MAX_STREAMS_PER_SESSION = 4;
/** Seconds a stop waits before it kills, shorter than docker's 10: the panel is for lessons. */
const STOP_SECONDS = 3;

const nameParams = z.object({
  name: z.string().max(128).regex(OBJECT_NAME, { error: 'is not a container name' }),
});
const logsQuery = z.object({ lines: z.coerce.number().int().min(1).max(MAX_LOG_LINES).default(100) });

/**
 * The engine panel: the session's images and containers as a Server-Sent Events stream (a
 * snapshot first, a new one after each change of the session's objects), and stop, remove and
 * logs for one of its containers. Every lookup goes through the session's scoped engine, as the
 * CLI's do through the boundary, so another session's name answers as one that never existed.
 */
export function registerEnginePanelRoutes(app: FastifyInstance, context: SandboxContext): void {
  const hub = new EngineEventHub(context.docker);
  const streams = new WeakMap<Session, number>();
  app.addHook('onClose', async () => hub.close());

  app.get('/api/engine/events', { config: { guard: { session: true } } }, (request, reply) => {
    const session = sessionOf(request);
    const open = streams.get(session) ?? 0;
    if (open >= MAX_STREAMS_PER_SESSION) throw new Refusal(429, `this session already has ${open} engine panels open; close one`);
    streams.set(session, open + 1);
    const engine = context.engineFor(session);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let shownImages = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    let sending = Promise.resolve();
    let closed = false;
    const send = () => {
      sending = sending.then(async () => {
        if (closed) return;
        try {
          const snapshot = await engineSnapshot(engine);
          shownImages = new Set(snapshot.images.map((image) => image.id));
          if (!closed) raw.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
        } catch (error) {
          if (!closed) raw.write(`event: failure\ndata: ${JSON.stringify({ error: engineMessage(error) })}\n\n`);
        }
      });
    };
    const unsubscribe = hub.subscribe((change) => {
      if (!concernsSession(change, engine.namespace.id, shownImages)) return;
      clearTimeout(timer);
      timer = setTimeout(send, DEBOUNCE_MS);
    });
    const heartbeat = setInterval(() => raw.write(': still here\n\n'), HEARTBEAT_MS);
    raw.on('close', () => {
      closed = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      unsubscribe();
      streams.set(session, (streams.get(session) ?? 1) - 1);
    });
    send();
  });

  app.post('/api/engine/containers/:name/stop', { config: { guard: { origin: true, session: true } } }, async (request) => {
    const engine = context.engineFor(sessionOf(request));
    const container = await findContainer(engine, nameParams.parse(request.params).name);
    try {
      await engine.docker.getContainer(container.id).stop({ t: STOP_SECONDS });
    } catch (error) {
      // 304: it had stopped already, which is what was asked.
      if ((error as { statusCode?: number }).statusCode !== 304) throw engineRefusal(error);
    }
    return { ok: true };
  });

  app.post('/api/engine/containers/:name/remove', { config: { guard: { origin: true, session: true } } }, async (request) => {
    const engine = context.engineFor(sessionOf(request));
    const container = await findContainer(engine, nameParams.parse(request.params).name);
    if (container.state === 'running' || container.state === 'paused' || container.state === 'restarting') {
      throw new Refusal(409, `${container.name} is ${container.state}; stop it before removing it`);
    }
    try {
      await engine.docker.getContainer(container.id).remove({ force: false });
    } catch (error) {
      throw engineRefusal(error);
    }
    return { ok: true };
  });

  app.get('/api/engine/containers/:name/logs', { config: { guard: { session: true } } }, async (request) => {
    const engine = context.engineFor(sessionOf(request));
    const container = await findContainer(engine, nameParams.parse(request.params).name);
    const { lines } = logsQuery.parse(request.query);
    try {
      return { name: container.name, lines, text: await lastLogLines(engine, container.id, lines) };
    } catch (error) {
      throw engineRefusal(error);
    }
  });
}

/** By its learner-visible name only: the panel never shows IDs, so it never sends one. */
async function findContainer(engine: ScopedEngine, name: string) {
  try {
    const container = await requireContainer(engine, name);
    if (container.name !== name) throw new BoundaryError(404, `No such container: ${name}`);
    return container;
  } catch (error) {
    if (error instanceof BoundaryError) throw new Refusal(error.status, error.message);
    throw error;
  }
}

function engineRefusal(error: unknown): Error {
  if (isNotFound(error)) return new Refusal(404, 'that container is gone');
  if (isConflict(error)) return new Refusal(409, engineMessage(error));
  return error as Error;
}
