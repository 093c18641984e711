import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { CLASS_LIMITS } from '../classes/limits.ts';
import { isoTime } from '../classes/progress.ts';
import type { SandboxContext } from '../context.ts';
import { instructorClassOf, instructorOnly } from './class-routes.ts';
import { Refusal } from './guards.ts';

/** A comment this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 20_000;
/** A learner's changes within this long reach a dashboard as one row. */
const COALESCE_MS = 250;
/** What a stream may hold unsent before the dashboard is taken to be gone. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * GET /api/classes/:code/events: the dashboard's live feed (text/event-stream). `event: learner`
 * carries the learner's whole row whenever it changes; `event: class` says the class closed.
 */
export function registerClassEvents(app: FastifyInstance, context: SandboxContext): void {
  const streams = new Set<ServerResponse>();
  // A stream never ends by itself; the server's close must not wait on one.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get<{ Params: { code: string } }>(
    '/api/classes/:code/events',
    { preValidation: instructorOnly(context), config: { rateLimit: { max: 120, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const row = instructorClassOf(request);
      const { classes } = context;
      if (classes.hub.listeners(row.code) >= CLASS_LIMITS.watchersPerClass) {
        throw new Refusal(429, `class ${row.code} has ${CLASS_LIMITS.watchersPerClass} live views open already; close a dashboard tab`);
      }
      reply.hijack();
      const stream = reply.raw;
      stream.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      stream.write(': connected\n\n');
      streams.add(stream);
      const send = (event: string, data: unknown) => {
        if (stream.writableEnded) return;
        // A dashboard that stopped reading (a laptop asleep) is let go rather than buffered for.
        if (stream.writableLength > MAX_BUFFERED_BYTES) stream.destroy();
        else stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      // One row per learner at most every COALESCE_MS, however many events they make: a learner
      // opening and closing terminals in a loop must not turn each into a read for every dashboard.
      const pending = new Set<string>();
      let flushing: NodeJS.Timeout | undefined;
      const flush = async () => {
        flushing = undefined;
        for (const learnerId of [...pending]) {
          pending.delete(learnerId);
          const learner = await classes.storage.learnerById(learnerId);
          if (learner && learner.classCode === row.code) send('learner', await classes.learnerView(learner));
        }
      };
      const unsubscribe = classes.hub.subscribe(row.code, (event) => {
        if (event.type === 'class') {
          send('class', { closedAt: isoTime(event.closedAt) });
          return;
        }
        pending.add(event.learnerId);
        flushing ??= setTimeout(() => void flush().catch((error: Error) => context.log.warn({ err: error }, 'a class event could not be sent')), COALESCE_MS);
      });
      const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      stream.on('close', () => {
        clearInterval(keepAlive);
        clearTimeout(flushing);
        unsubscribe();
        streams.delete(stream);
      });
    },
  );
}
