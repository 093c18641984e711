import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { sessionOf } from '../http/guards.ts';
import { parsePreviewHost, previewTokenOf, previewUrl } from './preview-host.ts';

export interface PreviewPort {
  /** The port as the learner published it: the 8080 of -p 8080:80. */
  port: number;
  containerPort: number;
  container: string;
  image: string;
  url: string;
}

/** GET /api/preview: the session's published ports, each with the address of its preview. */
export function registerPreviewRoutes(app: FastifyInstance, context: SandboxContext): void {
  const pattern = parsePreviewHost(context.config.previewHost);
  app.get('/api/preview', { config: { guard: { session: true } } }, async (request: FastifyRequest) => {
    const session = sessionOf(request);
    const token = previewTokenOf(session, context.store);
    const page = { protocol: request.protocol, host: request.headers.host };
    const ports: PreviewPort[] = [];
    for (const container of await context.engineFor(session).containers({ all: false })) {
      for (const published of container.ports) {
        if (published.protocol !== 'tcp' || published.hostPort === undefined || ports.some((seen) => seen.port === published.hostPort)) continue;
        ports.push({
          port: published.hostPort,
          containerPort: published.containerPort,
          container: container.name,
          image: container.image,
          url: previewUrl(pattern, token, published.hostPort, page),
        });
      }
    }
    ports.sort((a, b) => a.port - b.port);
    return { ports };
  });
}
