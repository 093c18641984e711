import { existsSync } from 'node:fs';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { engineAnswers } from '../engine/connect.ts';
import { registerCheckRoutes } from './check-routes.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { registerTerminalSocket } from './terminal-socket.ts';

/** Frames above this close the socket (ws answers 1009); keystrokes and pastes are far smaller. */
const MAX_FRAME_BYTES = 64 * 1024;

export async function buildApp(context: SandboxContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.log as FastifyBaseLogger,
    bodyLimit: 16 * 1024 * 1024,
    // One line per request would bury what matters in a classroom's worth of editor saves.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

  registerSessionRoutes(app, context);
  registerTerminalSocket(app, context);
  registerCheckRoutes(app, context);

  app.get('/api/health', async () => ({
    ok: true,
    engine: await engineAnswers(context.docker, 1000),
    sessions: context.store.all().length,
    builds: { running: context.services.buildQueue.running, waiting: context.services.buildQueue.waiting },
  }));

  if (existsSync(context.config.siteDir)) {
    await app.register(fastifyStatic, { root: context.config.siteDir, extensions: ['html'] });
  } else {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>Layerlab sandbox</title><h1>Layerlab sandbox</h1><p>The sandbox server is running; the lesson site has not been built yet.</p>',
        ),
    );
  }
  return app;
}
