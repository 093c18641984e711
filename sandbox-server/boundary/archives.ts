import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { z } from 'zod';
import { isClassRegistry } from '../registry/address.ts';
import { requireOwnImage, tagName } from '../scope/image-operations.ts';
import { formatReference, InvalidReferenceError, parseReference, type ImageReference } from '../scope/reference.ts';
import { byteCap } from '../build/byte-cap.ts';
import { API_VERSION, BoundaryError, ruled } from './api.ts';
import { forwardToEngine } from './engine-forward.ts';
import { engineBool, parseQuery, querySchema } from './query.ts';
import type { Endpoint } from './router.ts';

/**
 * `docker save` and `docker load`. An image archive names its images in manifest.json (and the
 * legacy `repositories` file): on the way out those names lose the namespace, and on the way in
 * they gain it, so a load can only ever tag the session's own repositories. Layers pass through
 * as they are, up to a cap.
 */

/** An image archive the boundary takes in: a few times a lesson image, far under the image cap. */
const MAX_LOAD_BYTES = 1024 ** 3;
/** manifest.json and `repositories` are small; anything larger is not an archive docker wrote. */
const MAX_INDEX_BYTES = 1024 ** 2;

const manifest = z.array(z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullable().optional(), Layers: z.array(z.string()) }).passthrough()).max(64);

/**
 * The entries `docker save` writes, and no others: the engine reads manifest.json by its path
 * after unpacking, so an entry that could land there any other way (`./manifest.json`, a link, a
 * file through a linked folder) would slip past the rewrite. Layers that appear twice are
 * symbolic links to the first copy, and only those links are taken.
 */
const ENTRY_DIRECTORY = /^[0-9a-f]{64}\/?$/;
const ENTRY_LAYER_FILE = /^[0-9a-f]{64}\/(VERSION|json|layer\.tar)$/;
const ENTRY_CONFIG = /^[0-9a-f]{64}\.json$/;
const LAYER_LINK_TARGET = /^\.\.\/[0-9a-f]{64}\/layer\.tar$/;

function checkEntry(header: { name: string; type?: string | null; linkname?: string | null }): void {
  const { name, type } = header;
  const allowed =
    (type === 'directory' && ENTRY_DIRECTORY.test(name)) ||
    (type === 'file' && (ENTRY_LAYER_FILE.test(name) || ENTRY_CONFIG.test(name) || name === 'manifest.json' || name === 'repositories')) ||
    (type === 'symlink' && name.endsWith('/layer.tar') && ENTRY_LAYER_FILE.test(name) && LAYER_LINK_TARGET.test(header.linkname ?? ''));
  if (!allowed) throw new BoundaryError(400, `the archive holds ${name}, which docker save never writes; load archives made by docker save`);
}

/** Rewrites an image archive entry by entry; `index` gets manifest.json's or repositories' text and returns the new one (or undefined to drop the file). */
function rewriteArchive(source: Readable, index: (name: string, text: string) => Promise<string | undefined>, checked: boolean): Readable {
  const reader = extract();
  const writer = pack();
  const output = new PassThrough();
  (writer as unknown as Readable).pipe(output);
  reader.on('entry', (header, stream, next) => {
    if (checked) {
      try {
        checkEntry(header);
      } catch (error) {
        stream.resume();
        reader.destroy(error as Error);
        return;
      }
    }
    if (header.name !== 'manifest.json' && header.name !== 'repositories') {
      stream.pipe(writer.entry(header, next) as unknown as NodeJS.WritableStream);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      size += chunk.length;
      if (size > MAX_INDEX_BYTES) reader.destroy(new BoundaryError(400, `${header.name} in the archive is larger than an image archive's index can be`));
      else chunks.push(chunk);
    });
    stream.on('end', () => {
      index(header.name, Buffer.concat(chunks).toString('utf8')).then(
        (text) => {
          if (text === undefined) return next();
          writer.entry({ ...header, size: Buffer.byteLength(text) }, text, next);
        },
        (error: unknown) => reader.destroy(error as Error),
      );
    });
  });
  reader.on('finish', () => writer.finalize());
  // The first error ends all three streams; the rest of the upload is read and dropped.
  reader.on('error', (failure) => {
    const error = failure instanceof BoundaryError ? failure : new BoundaryError(400, `the archive is not one docker save writes (${failure.message})`);
    output.destroy(error);
    writer.destroy();
    source.unpipe(reader as unknown as NodeJS.WritableStream);
    source.resume();
  });
  writer.on('error', () => undefined);
  source.on('error', (error) => output.destroy(error));
  const capped = byteCap(MAX_LOAD_BYTES, () => new BoundaryError(413, `an image archive larger than ${MAX_LOAD_BYTES / 1024 ** 3} GiB is not accepted here`));
  capped.on('error', (error) => reader.destroy(error));
  source.pipe(capped).pipe(reader as unknown as NodeJS.WritableStream);
  return output;
}

function parseManifest(text: string): z.infer<typeof manifest> {
  try {
    return manifest.parse(JSON.parse(text));
  } catch {
    throw new BoundaryError(400, 'the archive\'s manifest.json is not one docker save writes');
  }
}

export const ARCHIVE_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'GET',
    path: '/images/get',
    lists: ['names'],
    async handle({ engine, docker, query, holdStream }, response) {
      const { names } = parseQuery(querySchema({ names: z.string().max(4096) }), query);
      const wanted = names.split('\n');
      if (wanted.length > 16) throw new BoundaryError(400, 'save at most 16 images at once here');
      const internal: string[] = [];
      for (const name of wanted) {
        const image = await ruled(requireOwnImage(engine, name));
        const tag = tagName(name);
        internal.push(tag && image.tags.includes(tag) ? engine.namespace.imageTag(tag) : image.id);
      }
      const release = holdStream();
      try {
        // dockerode has getImages (GET /images/get with repeated names); its types leave it out.
        const archive = (await (docker as unknown as { getImages(options: { names: string[] }): Promise<Readable> }).getImages({ names: internal }));
        response.writeHead(200, { 'Content-Type': 'application/x-tar', 'Api-Version': API_VERSION });
        // The engine's archive, streamed out with the namespace taken off the names in its index.
        await pipeline(rewriteArchive(archive, async (_name, text) => engine.namespace.scrub(text), false), response);
      } finally {
        release();
      }
      return { streamed: true };
    },
  },
  {
    method: 'POST',
    path: '/images/load',
    async handle({ engine, engineSocket, policy, query, request, holdStream }, response) {
      parseQuery(querySchema({ quiet: engineBool.optional() }), query);
      const upload = rewriteArchive(request, async (name, text) => {
        // The legacy index would name repositories too; the engine reads manifest.json first.
        if (name === 'repositories') return undefined;
        const entries = parseManifest(text);
        const tagged: ImageReference[] = [];
        for (const entry of entries) {
          // An untagged image would belong to no session: nothing would ever remove it.
          if ((entry.RepoTags ?? []).length === 0) throw new BoundaryError(400, 'each image in the archive needs a name here; save it by name: docker save NAME:TAG');
          const tags = [];
          for (const tag of entry.RepoTags ?? []) {
            let ref;
            try {
              ref = parseReference(tag);
            } catch (error) {
              if (error instanceof InvalidReferenceError) throw new BoundaryError(400, `the archive names ${tag}, which is not an image name`);
              throw error;
            }
            if (ref.domain && !isClassRegistry(ref)) throw new BoundaryError(403, `the archive names ${tag}; images here have no registry or the class registry's`);
            tagged.push(ref);
            tags.push(engine.namespace.imageTag(ref));
          }
          entry.RepoTags = tags;
        }
        // The quota counts the whole archive at once: every name it adds that the session lacks.
        const kept = await engine.quotaImages();
        const adding = new Set(tagged.map((ref) => formatReference(ref)).filter((tag) => !kept.some((image) => image.tags.includes(tag))));
        if (kept.length + adding.size > policy.quotas.images) {
          throw new BoundaryError(403, `you have ${kept.length} images and the archive adds ${adding.size}; a session may keep ${policy.quotas.images}, so remove some with docker rmi`);
        }
        await engine.ensureNetwork();
        return JSON.stringify(entries);
      }, true);
      const release = holdStream();
      try {
        await forwardToEngine(engineSocket, 'POST', '/v1.41/images/load?quiet=1', response, {
          upload,
          maxUpload: MAX_LOAD_BYTES,
          eachLine: (line) => (line.trim() === '' ? undefined : engine.namespace.scrub(line)),
        });
      } finally {
        release();
      }
      return { streamed: true };
    },
  },
];
