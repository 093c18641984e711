import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { allowsBaseImage, availableBaseImages } from '../policy/lesson-policy.ts';
import { formatReference, InvalidReferenceError, parseReference, type ImageReference } from '../scope/reference.ts';
import { API_VERSION, BoundaryError } from './api.ts';
import { parseQuery, querySchema } from './query.ts';
import type { Endpoint } from './router.ts';

/**
 * Images through the boundary. A pull of a catalogue image tags the server's shared copy into
 * the session, with progress shaped like a registry pull; the session's own images are found by
 * their learner tag or ID.
 */

function referenceOf(text: string): ImageReference {
  try {
    return parseReference(text);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new BoundaryError(400, 'invalid reference format');
    throw error;
  }
}

function progress(response: ServerResponse, lines: object[]): void {
  response.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
  for (const line of lines) response.write(`${JSON.stringify(line)}\r\n`);
  response.end();
}

export const IMAGE_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'POST',
    path: '/images/create',
    async handle({ engine, policy, query }, response) {
      const { fromImage, tag } = parseQuery(
        querySchema({ fromImage: z.string().max(512), tag: z.string().max(256).optional(), platform: z.string().max(64).optional() }),
        query,
      );
      const ref = referenceOf(tag && !tag.startsWith('sha256:') ? `${fromImage}:${tag}` : fromImage);
      const source = allowsBaseImage(policy, ref) ? engine.catalogueTag(ref) : undefined;
      if (!source) {
        throw new BoundaryError(
          403,
          `pull access denied for ${ref.domain ? `${ref.domain}/` : ''}${ref.path}: ${policy.baseImages ? 'this lesson' : 'this sandbox'} can pull only ${availableBaseImages(policy).join(', ')}`,
        );
      }
      const present = await engine.hasImage(ref);
      const id = present ? (await engine.docker.getImage(engine.namespace.imageTag(ref)).inspect()).Id : await engine.pullFromCatalogue(ref);
      const display = formatReference(ref);
      progress(response, [
        { status: `Pulling from ${ref.path.includes('/') ? ref.path : `library/${ref.path}`}`, id: ref.tag ?? 'latest' },
        ...(present ? [] : [{ status: 'Pull complete', progressDetail: {}, id: id.replace(/^sha256:/, '').slice(0, 12) }]),
        { status: `Digest: ${id}` },
        { status: present ? `Status: Image is up to date for ${display}` : `Status: Downloaded newer image for ${display}` },
      ]);
      return { streamed: true };
    },
  },
  {
    method: 'GET',
    path: '/images/{name*}/json',
    async handle({ engine, docker, params, query }) {
      parseQuery(querySchema({}), query);
      const image = await engine.findImage(params.name!).catch(() => undefined);
      if (!image) throw new BoundaryError(404, `No such image: ${params.name}`);
      const info = await docker.getImage(image.id).inspect();
      return { json: JSON.parse(engine.namespace.scrub(JSON.stringify({ ...info, RepoTags: image.tags, RepoDigests: [] }))) };
    },
  },
];
