import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from '../context.ts';
import { readImageArchive } from '../images/layer-archive.ts';
import { exploreImage, withDockerfileLines, type Exploration } from '../images/layer-explorer.ts';
import { Refusal, sessionOf } from './guards.ts';

const ExploreQuery = z.object({
  image: z.string().min(1).max(256).describe('The image as the learner names it: "hello", "hello:v2", or an ID.'),
});

/** Explorations by image ID (an image never changes); a class's few images each read once. */
const CACHED_EXPLORATIONS = 32;

export function registerLayerRoutes(app: FastifyInstance, context: SandboxContext): void {
  const cache = new Map<string, Exploration>();
  /** One image archive at a time per session: an export is the engine's heaviest read. */
  const exploring = new Set<string>();

  app.get('/api/layers', { config: { guard: { session: true } } }, async (request) => {
    const session = sessionOf(request);
    const { image: name } = ExploreQuery.parse(request.query);
    const engine = context.engineFor(session);
    const image = await engine.findImage(name).catch(() => undefined);
    if (!image) throw new Refusal(404, `you have no image called ${name}; docker images lists yours`);
    const dockerfile = session.files.get('Dockerfile');
    const cached = cache.get(image.id);
    const exploration =
      cached ??
      (await (async () => {
        if (exploring.has(session.id)) throw new Refusal(429, 'another image is being read for you; try again when it is done');
        exploring.add(session.id);
        try {
          const archive = await engine.docker.getImage(image.id).get();
          return exploreImage(await readImageArchive(archive));
        } finally {
          exploring.delete(session.id);
        }
      })());
    if (!cached) {
      cache.set(image.id, exploration);
      if (cache.size > CACHED_EXPLORATIONS) cache.delete(cache.keys().next().value!);
    }
    // The lines depend on the learner's Dockerfile now, so they are matched per answer.
    return { image: name, id: image.id, tags: image.tags, ...withDockerfileLines(exploration, dockerfile) };
  });
}
