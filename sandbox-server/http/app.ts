import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { engineAnswers } from '../engine/connect.ts';
import { hostLoad } from '../hosts/host-load.ts';
import { parsePreviewHost, previewFrameSource } from '../preview/preview-host.ts';
import { registerPreviewRoutes } from '../preview/preview-routes.ts';
import { servePreviews } from '../preview/preview-proxy.ts';
import { registerBuildRoutes } from './build-routes.ts';
import { registerCheckRoutes } from './check-routes.ts';
import { registerClassEvents } from './class-events.ts';
import { registerClassRoutes } from './class-routes.ts';
import { registerClassWatchSocket } from './class-watch-socket.ts';
import { registerEnginePanelRoutes } from './engine-panel-routes.ts';
import { Refusal, registerGuards } from './guards.ts';
import { registerLayerRoutes } from './layer-routes.ts';
import { registerReviewRoutes } from './review-routes.ts';
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
    // 1: believe the hop in front only (the address it added), whatever a client wrote before it.
    trustProxy: context.config.trustProxy === 1 ? (_address: string, hop: number) => hop < 1 : context.config.trustProxy,
    // JSON.parse makes "__proto__" an own key, never the prototype; workspace file names are
    // read into Maps (session-routes.ts), so a file may be called that like any other name.
    onProtoPoisoning: 'ignore',
  });
  servePreviews(app.server, context);
  const previewHost = parsePreviewHost(context.config.previewHost);
  await app.register(helmet, {
    // The lesson page is its own: no other site may frame it (clickjacking) or run script in it.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Shiki colours code with style attributes; Monaco and xterm add <style> elements.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // The Preview pane frames the learner's container, served from preview hosts only.
        frameSrc: [(request) => previewFrameSource(previewHost, request.headers.host)],
      },
    },
    xFrameOptions: { action: 'deny' },
    // Plain HTTP on a laptop is the common case; HSTS only when the cookie is marked Secure.
    strictTransportSecurity: context.config.secureCookies,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, limit) =>
      new Refusal(429, `this address has made its ${limit.max} requests of this kind for now; try again in ${limit.after}`),
  });
  // After the headers (a refusal carries them too) and the cookies (a guard reads the session's).
  registerGuards(app, context);
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

  registerSessionRoutes(app, context);
  registerTerminalSocket(app, context);
  registerCheckRoutes(app, context);
  registerPreviewRoutes(app, context);
  registerLayerRoutes(app, context);
  registerBuildRoutes(app, context);
  registerEnginePanelRoutes(app, context);
  registerReviewRoutes(app, context);
  registerClassRoutes(app, context);
  registerClassEvents(app, context);
  registerClassWatchSocket(app, context);
  app.addHook('onClose', async () => context.classes.close());

  // A load balancer reads this (docs/deploying.md): "engine":true says the host can serve, `state` whether it takes new learners.
  app.get('/api/health', async () => ({ ok: true, engine: await engineAnswers(context.docker, 1000), ...hostLoad(context) }));

  if (existsSync(context.config.siteDir)) {
    await serveSite(app, context.config.siteDir);
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

/** Astro puts a content hash in every file name under /_astro/, so those never change. */
const IMMUTABLE_ASSETS = /^\/_astro\//;

/**
 * The built lesson site (dist/): pages as /lessons/<id>/ (a missing slash redirects), files
 * compressed at build time sent as they are, hashed assets cached for good, and the site's own
 * 404 page for anything else that isn't the API.
 */
async function serveSite(app: FastifyInstance, siteDir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: siteDir,
    extensions: ['html'],
    redirect: true,
    preCompressed: true,
    setHeaders: (reply, filePath) => {
      const urlPath = `/${path.relative(siteDir, filePath).split(path.sep).join('/')}`;
      reply.header(
        'cache-control',
        IMMUTABLE_ASSETS.test(urlPath) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const notFoundPage = path.join(siteDir, '404.html');
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/') || request.method !== 'GET' || !existsSync(notFoundPage)) {
      return reply.code(404).send({ error: `nothing at ${request.method} ${request.url.split('?')[0]}` });
    }
    return reply.code(404).type('text/html').send(readFileSync(notFoundPage));
  });
}
