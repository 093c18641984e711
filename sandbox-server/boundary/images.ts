import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { allowsBaseImage, availableBaseImages } from '../policy/lesson-policy.ts';
import { formatReference } from '../scope/reference.ts';
import { API_VERSION, BoundaryError, referenceOf, ruled } from './api.ts';
import { engineBool, onlyFilters, parseFilters, parseQuery, querySchema } from './query.ts';
import { pruneOwnImages, removeOwnImage, requireOwnImage, tagOwnImage } from '../scope/image-operations.ts';
import { isClassRegistry } from '../registry/address.ts';
import { pullFromClassRegistry, refuseOtherRegistries, refuseOtherRegistryTags } from './registry.ts';
import type { Endpoint, EndpointContext } from './router.ts';
import { checkImageQuota } from '../scope/image-operations.ts';
import { forwardToEngine } from './engine-forward.ts';
import { ruledChanges } from './commit-changes.ts';
import { learnerLabels } from './listings.ts';
import { needDiskRoom } from './machine-needs.ts';

/**
 * Images through the boundary. A pull of a catalogue image tags the server's shared copy into
 * the session, with progress shaped like a registry pull; the session's own images are found by
 * their learner tag or ID.
 */

/** `docker import`: a filesystem tar, up to this. */
const MAX_IMPORT_BYTES = 1024 ** 3;

/**
 * `docker import FILE NAME`: the tar the CLI uploads becomes one of the session's images, under
 * its namespaced name and a keep tag, like a commit; its `--change`s are reviewed as a commit's.
 */
async function importArchive({ engine, engineSocket, policy, query, request, holdStream }: EndpointContext, response: ServerResponse) {
  const { repo, tag, message, changes } = parseQuery(
    querySchema({
      fromSrc: z.literal('-', { error: 'must be - (the archive comes with the request)' }),
      repo: z.string().max(256).optional(),
      tag: z.string().max(128).optional(),
      message: z.string().max(1024).optional(),
      changes: z.string().max(32 * 1024).optional(),
      platform: z.string().max(64).optional(),
    }),
    query,
  );
  const changed = ruledChanges(changes) ?? [];
  if (!repo) throw new BoundaryError(403, 'name the image an import makes here: docker import FILE NAME:TAG');
  const ref = referenceOf(tag ? `${repo}:${tag}` : repo);
  refuseOtherRegistries(ref);
  await ruled(checkImageQuota(engine, ref, policy.quotas.images));
  const internal = engine.namespace.imageTag(ref);
  const colon = internal.lastIndexOf(':');
  const search = new URLSearchParams({ fromSrc: '-', repo: internal.slice(0, colon), tag: internal.slice(colon + 1), ...(message ? { message } : {}) });
  for (const change of changed) search.append('changes', change);
  await engine.ensureNetwork();
  let imageId: string | undefined;
  const release = holdStream();
  try {
    await forwardToEngine(engineSocket, 'POST', `/v1.41/images/create?${search}`, response, {
      upload: request,
      maxUpload: MAX_IMPORT_BYTES,
      eachLine: (line) => {
        if (line.trim() === '') return undefined;
        const status = (JSON.parse(line) as { status?: unknown }).status;
        if (typeof status === 'string' && /^sha256:[0-9a-f]{64}$/.test(status)) imageId = status;
        return engine.namespace.scrub(line);
      },
    });
  } finally {
    release();
  }
  // The session's keep tag too, so the image stays owned after its name moves on.
  if (imageId) {
    const keep = engine.namespace.keepTag(`import-${imageId.slice(7, 19)}`);
    const keepColon = keep.lastIndexOf(':');
    await engine.docker.getImage(imageId).tag({ repo: keep.slice(0, keepColon), tag: keep.slice(keepColon + 1) });
  }
  return { streamed: true } as const;
}

function progress(response: ServerResponse, lines: object[]): void {
  if (!response.headersSent) response.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
  for (const line of lines) response.write(`${JSON.stringify(line)}\r\n`);
  response.end();
}

export const IMAGE_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'POST',
    path: '/images/create',
    lists: ['changes'],
    async handle(context, response) {
      const { engine, policy, machine, query } = context;
      if ('fromSrc' in query) {
        await needDiskRoom(machine, 'new images');
        return importArchive(context, response);
      }
      const { fromImage, tag } = parseQuery(
        querySchema({ fromImage: z.string().max(512), tag: z.string().max(256).optional(), platform: z.string().max(64).optional() }),
        query,
      );
      const ref = referenceOf(tag && !tag.startsWith('sha256:') ? `${fromImage}:${tag}` : fromImage);
      refuseOtherRegistries(ref);
      if (isClassRegistry(ref)) {
        await pullFromClassRegistry(engine, machine, ref, policy.quotas.images, response);
        return { streamed: true };
      }
      const source = allowsBaseImage(policy, ref) ? engine.catalogueTag(ref) : undefined;
      if (!source) {
        throw new BoundaryError(
          403,
          `pull access denied for ${ref.domain ? `${ref.domain}/` : ''}${ref.path}: ${policy.baseImages ? 'this lesson' : 'this sandbox'} can pull only ${availableBaseImages(policy).join(', ')}`,
        );
      }
      const present = await engine.hasImage(ref);
      if (!present) await needDiskRoom(machine, 'new images');
      // A catalogue image made on first use can take a minute: say so before the wait, as a status line.
      const status = (line: string) => {
        if (!response.headersSent) response.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
        response.write(`${JSON.stringify({ status: line })}\r\n`);
      };
      let id: string;
      try {
        id = present ? (await engine.docker.getImage(engine.namespace.imageTag(ref)).inspect()).Id : await engine.pullFromCatalogue(ref, status);
      } catch (error) {
        if (!response.headersSent) throw error;
        // Past the first status line, a failure is the stream's last event, as the engine reports one.
        const message = `${formatReference(ref)} could not be made: ${(error as Error).message}`;
        response.end(`${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`);
        return { streamed: true };
      }
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
      const shown = {
        ...info,
        RepoTags: image.tags,
        RepoDigests: [],
        GraphDriver: { Name: info.GraphDriver?.Name ?? 'overlay2', Data: null },
        // A committed container's image carries the server's labels; they stay the server's.
        Config: { ...info.Config, Labels: learnerLabels(info.Config?.Labels) },
        ContainerConfig: { ...info.ContainerConfig, Labels: learnerLabels(info.ContainerConfig?.Labels) },
      };
      return { json: JSON.parse(engine.namespace.scrub(JSON.stringify(shown))) };
    },
  },
  {
    method: 'DELETE',
    path: '/images/{name*}',
    async handle({ engine, docker, params, query }) {
      const { force } = parseQuery(querySchema({ force: engineBool.optional(), noprune: engineBool.optional() }), query);
      return { json: await ruled(removeOwnImage(engine, docker, params.name!, force ?? false)) };
    },
  },
  {
    method: 'POST',
    path: '/images/{name*}/tag',
    async handle({ engine, policy, params, query }) {
      const { repo, tag } = parseQuery(querySchema({ repo: z.string().max(256), tag: z.string().max(128).optional() }), query);
      const target = referenceOf(tag ? `${repo}:${tag}` : repo);
      refuseOtherRegistryTags(target);
      await ruled(tagOwnImage(engine, params.name!, target, policy.quotas.images));
      return { json: null, status: 201 };
    },
  },
  {
    method: 'GET',
    path: '/images/{name*}/history',
    async handle({ engine, docker, params, query }) {
      parseQuery(querySchema({}), query);
      const image = await ruled(requireOwnImage(engine, params.name!));
      const layers = (await docker.getImage(image.id).history()) as { Tags?: string[] | null }[];
      // Tags of a layer are the engine's (other sessions', the catalogue's): only the session's own show.
      const shown = layers.map((layer) => ({ ...layer, Tags: (layer.Tags ?? []).flatMap((tag) => engine.namespace.displayTag(tag) ?? []) }));
      return { json: JSON.parse(engine.namespace.scrub(JSON.stringify(shown))) };
    },
  },
  {
    method: 'POST',
    path: '/images/prune',
    async handle({ engine, docker, query }) {
      const { filters } = parseQuery(querySchema({ filters: z.string().optional() }), query);
      const parsed = parseFilters(filters);
      onlyFilters(parsed, ['dangling']);
      const all = (parsed.get('dangling') ?? []).some((value) => value === 'false' || value === '0');
      const { records, reclaimed } = await pruneOwnImages(engine, docker, all);
      return { json: { ImagesDeleted: records.length > 0 ? records : null, SpaceReclaimed: reclaimed } };
    },
  },
];
