import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { eventError, readEngineStream } from '../engine/engine-streams.ts';
import { engineMessage } from '../engine/errors.ts';
import { CLASS_REGISTRY, isClassRegistry } from '../registry/address.ts';
import { engineAuthConfig } from '../registry/credentials.ts';
import { ownStatus } from '../registry/progress.ts';
import { checkImageQuota } from '../scope/image-operations.ts';
import { formatReference, type ImageReference } from '../scope/reference.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import { API_VERSION, BoundaryError, referenceOf, ruled } from './api.ts';
import { needDiskRoom, needService } from './machine-needs.ts';
import type { Machine } from '../services/machine.ts';
import { parseQuery, querySchema } from './query.ts';
import type { Endpoint } from './router.ts';

/**
 * The class registry through the boundary. `docker login localhost:5000` succeeds whatever it is
 * given (the learner never holds the registry's credentials); push and pull go to the session's
 * repositories there with the server's credentials, and the progress reads with the learner's names.
 */

/** A pull, push or commit naming another registry. */
export function refuseOtherRegistries(ref: ImageReference): void {
  if (ref.domain && !isClassRegistry(ref)) {
    throw new BoundaryError(403, `this sandbox reaches one registry, ${CLASS_REGISTRY}, not ${ref.domain}`);
  }
}

/** A tag (docker tag, docker build -t) naming another registry. */
export function refuseOtherRegistryTags(ref: ImageReference): void {
  if (ref.domain && !isClassRegistry(ref)) {
    throw new BoundaryError(403, `images here are tagged for the class registry (${CLASS_REGISTRY}/NAME) or with no registry at all, not ${ref.domain}`);
  }
}

/** Streams the engine's push or pull progress to the CLI, each event with the session's names. */
export async function relayProgress(stream: NodeJS.ReadableStream, engine: ScopedEngine, response: ServerResponse): Promise<void> {
  response.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
  response.flushHeaders();
  try {
    await readEngineStream(stream, (event) => {
      const shown = { ...event } as Record<string, unknown>;
      if (typeof shown.status === 'string') shown.status = ownStatus(shown.status, engine.namespace.id);
      if (eventError(event)) {
        const message = engine.namespace.scrub(eventError(event)!);
        response.write(`${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`);
        return;
      }
      response.write(`${engine.namespace.scrub(JSON.stringify(shown))}\r\n`);
    });
  } catch (error) {
    const message = engine.namespace.scrub(engineMessage(error));
    response.write(`${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`);
  }
  response.end();
}

/** `docker pull localhost:5000/NAME`: the session's repository in the class registry. */
export async function pullFromClassRegistry(engine: ScopedEngine, machine: Machine, ref: ImageReference, maxImages: number, response: ServerResponse): Promise<void> {
  await ruled(checkImageQuota(engine, ref, maxImages));
  await needDiskRoom(machine, 'new images');
  await needService(machine, 'registry');
  await engine.ensureNetwork();
  // An engine error (not found, the engine down) answers as the engine's, scrubbed, by the server's refusal.
  const stream = (await engine.docker.pull(engine.namespace.imageTag(ref), { authconfig: engineAuthConfig() })) as NodeJS.ReadableStream;
  await relayProgress(stream, engine, response);
}

export const REGISTRY_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'POST',
    path: '/auth',
    async handle({ query, json }) {
      parseQuery(querySchema({}), query);
      const body = z.object({ serveraddress: z.string().max(256).optional() }).safeParse((await json()) ?? {});
      const server = (body.success ? body.data.serveraddress : undefined) ?? '';
      const withoutScheme = server.replace(/^https?:\/\//, '');
      const slash = withoutScheme.indexOf('/');
      const host = slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
      if (host !== CLASS_REGISTRY) throw new BoundaryError(403, `this sandbox reaches one registry, ${CLASS_REGISTRY}; log in with docker login ${CLASS_REGISTRY}`);
      // The class registry's credentials are the server's; whatever the learner typed is not needed.
      return { json: { Status: 'Login Succeeded', IdentityToken: '' } };
    },
  },
  {
    method: 'POST',
    path: '/images/{name*}/push',
    async handle({ engine, docker, machine, params, query }, response) {
      const { tag } = parseQuery(querySchema({ tag: z.string().max(128).optional() }), query);
      const text = params.name!;
      const ref = referenceOf(tag ? `${text}:${tag}` : text);
      refuseOtherRegistries(ref);
      if (!ref.domain) {
        throw new BoundaryError(403, `this sandbox can't push to Docker Hub; push to the class registry instead: docker tag ${text} ${CLASS_REGISTRY}/${text} && docker push ${CLASS_REGISTRY}/${text}`);
      }
      const wanted = formatReference(ref);
      const image = (await engine.images()).find((candidate) => candidate.tags.includes(wanted));
      if (!image) throw new BoundaryError(404, `An image does not exist locally with the tag: ${ref.domain}/${ref.path}`);
      await needService(machine, 'registry');
      const internal = engine.namespace.imageTag(ref);
      const colon = internal.lastIndexOf(':');
      let stream: NodeJS.ReadableStream;
      try {
        stream = (await docker.getImage(internal.slice(0, colon)).push({ tag: internal.slice(colon + 1), authconfig: engineAuthConfig() })) as NodeJS.ReadableStream;
      } catch (error) {
        throw new BoundaryError(500, engine.namespace.scrub(engineMessage(error)));
      }
      await relayProgress(stream, engine, response);
      return { streamed: true };
    },
  },
];
