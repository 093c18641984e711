import type { FastifyInstance } from 'fastify';
import { reportBuild } from '../build/build-report.ts';
import type { SandboxContext } from '../context.ts';
import { sessionOf } from './guards.ts';

export function registerBuildRoutes(app: FastifyInstance, context: SandboxContext): void {
  /** The session's last build step by step (cached or run, time, layer size), or null before one. */
  app.get('/api/builds/last', { config: { guard: { session: true } } }, async (request) => {
    const last = sessionOf(request).lastBuild;
    return { build: last ? await reportBuild(last.result, last.dockerfilePath, context.docker) : null };
  });
}
