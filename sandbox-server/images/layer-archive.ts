import { createGunzip } from 'node:zlib';
import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';

/**
 * Reads an image archive (`docker save`) as it streams past, in either layout the engine writes:
 * Docker's `manifest.json` with `<id>/layer.tar`, or OCI's `index.json` with `blobs/sha256/…`.
 * Only each layer's listing (paths, sizes, kinds) is kept, never a file's content, so a 400 MB
 * image costs the server its file names, not its bytes.
 */

export interface LayerEntry {
  path: string;
  size: number;
  kind: 'file' | 'link' | 'dir' | 'whiteout' | 'opaque';
}

export interface ArchiveLayer {
  /** The layer's path inside the archive ("<id>/layer.tar", "blobs/sha256/<hex>"). */
  archivePath: string;
  /** Uncompressed bytes of its files. */
  size: number;
  entries: LayerEntry[];
  /** Entries past the listing limit: counted in `size`, not listed. */
  unlisted: number;
}

export interface ImageArchive {
  /** Bottom layer first. */
  layers: ArchiveLayer[];
  /** The image's config: its history says which instruction made each layer. */
  config: { history?: { created_by?: string; empty_layer?: boolean; created?: string }[] };
}

export class ImageArchiveError extends Error {}

/** JSON documents in an archive (manifests, configs) are small; anything larger is a layer or noise. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Per layer; a layer of more files is summarised by its size. */
export const MAX_LISTED_ENTRIES = 20_000;

const TAR_MAGIC_OFFSET = 257;

/** Any readable byte stream: the engine's export (a Node stream) or a tar-stream pack. */
export interface ArchiveStream {
  pipe(destination: NodeJS.WritableStream): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export async function readImageArchive(archive: ArchiveStream): Promise<ImageArchive> {
  const layersByPath = new Map<string, ArchiveLayer>();
  const documents = new Map<string, unknown>();
  const extract = tar.extract();

  extract.on('entry', (header, stream, next) => {
    const done = (error?: unknown) => (error ? next(error as Error) : next());
    if (header.type !== 'file' || header.size === 0) {
      stream.resume();
      stream.on('end', () => done());
      return;
    }
    classify(stream as unknown as Readable, header.size ?? 0)
      .then(async (content) => {
        if (content.kind === 'json') {
          documents.set(header.name, content.value);
        } else if (content.kind === 'tar') {
          layersByPath.set(header.name, await listLayer(header.name, content.stream));
        }
        done();
      })
      .catch(done);
  });

  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract as unknown as NodeJS.WritableStream);
  });

  const order = layerOrder(documents);
  const layers = order.layerPaths.map((archivePath) => {
    const layer = layersByPath.get(archivePath);
    if (!layer) throw new ImageArchiveError(`the image archive names a layer it does not hold: ${archivePath}`);
    return layer;
  });
  return { layers, config: order.config };
}

type Classified = { kind: 'json'; value: unknown } | { kind: 'tar'; stream: Readable } | { kind: 'other' };

/**
 * A tar (or gzipped tar) is a layer; a small document that parses as JSON is a manifest or config.
 * The first block decides, so a layer is never held in memory to find out what it is.
 */
function classify(stream: Readable, size: number): Promise<Classified> {
  return new Promise((resolve, reject) => {
    // A non-empty entry always reaches this many bytes before it ends (tar-stream errors otherwise).
    const needed = Math.min(512, size);
    const head: Buffer[] = [];
    let headBytes = 0;
    const onData = (chunk: Buffer) => {
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes < needed) return;
      stream.off('data', onData);
      stream.pause();
      decide(Buffer.concat(head));
    };
    const decide = (first: Buffer) => {
      const isGzip = first[0] === 0x1f && first[1] === 0x8b;
      const isTar = first.length >= TAR_MAGIC_OFFSET + 5 && first.toString('latin1', TAR_MAGIC_OFFSET, TAR_MAGIC_OFFSET + 5) === 'ustar';
      if (isGzip || isTar) {
        const body = new PassThrough();
        body.write(first);
        stream.pipe(body);
        resolve({ kind: 'tar', stream: isGzip ? body.pipe(createGunzip()) : body });
        return;
      }
      if (size > MAX_JSON_BYTES) {
        stream.on('end', () => resolve({ kind: 'other' }));
        stream.resume();
        return;
      }
      const chunks = [first];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        try {
          resolve({ kind: 'json', value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch {
          resolve({ kind: 'other' });
        }
      });
      stream.resume();
    };
    stream.on('data', onData);
    stream.on('error', reject);
  });
}

async function listLayer(archivePath: string, stream: Readable): Promise<ArchiveLayer> {
  const layer: ArchiveLayer = { archivePath, size: 0, entries: [], unlisted: 0 };
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const entry = layerEntry(header);
    if (entry) {
      layer.size += entry.size;
      if (layer.entries.length < MAX_LISTED_ENTRIES) layer.entries.push(entry);
      else layer.unlisted += 1;
    }
    body.on('end', () => next());
    body.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
  return layer;
}

function layerEntry(header: tar.Header): LayerEntry | undefined {
  const path = normalise(header.name);
  if (!path) return undefined;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = slash < 0 ? '' : path.slice(0, slash);
  // OCI whiteouts: `.wh..wh..opq` hides a folder's lower contents, `.wh.<name>` removes <name>.
  if (base === '.wh..wh..opq') return { path: dir, size: 0, kind: 'opaque' };
  if (base.startsWith('.wh.')) return { path: dir ? `${dir}/${base.slice(4)}` : base.slice(4), size: 0, kind: 'whiteout' };
  if (header.type === 'directory') return { path, size: 0, kind: 'dir' };
  if (header.type === 'symlink' || header.type === 'link') return { path, size: 0, kind: 'link' };
  if (header.type === 'file' || header.type === 'contiguous-file') return { path, size: header.size ?? 0, kind: 'file' };
  return { path, size: 0, kind: 'file' };
}

/** "./usr/bin/" → "usr/bin"; the root itself is no entry. */
function normalise(name: string): string {
  let start = 0;
  let end = name.length;
  if (name.startsWith('./')) start = 2;
  else if (name.startsWith('/')) start = 1;
  while (end > start && name[end - 1] === '/') end -= 1;
  const path = name.slice(start, end);
  return path === '.' ? '' : path;
}

interface LayerOrder {
  layerPaths: string[];
  config: ImageArchive['config'];
}

/** Docker's manifest.json where there is one (Docker writes it in both layouts); else OCI's index. */
function layerOrder(documents: Map<string, unknown>): LayerOrder {
  const manifest = documents.get('manifest.json');
  if (Array.isArray(manifest) && manifest.length > 0) {
    const first = manifest[0] as { Config?: unknown; Layers?: unknown };
    if (typeof first.Config === 'string' && Array.isArray(first.Layers) && first.Layers.every((layer) => typeof layer === 'string')) {
      return { layerPaths: first.Layers as string[], config: asConfig(documents.get(first.Config)) };
    }
  }
  const index = documents.get('index.json') as { manifests?: { digest?: unknown }[] } | undefined;
  const digest = index?.manifests?.[0]?.digest;
  if (typeof digest === 'string') {
    const image = documents.get(blobPath(digest)) as
      | { config?: { digest?: unknown }; layers?: { digest?: unknown }[]; manifests?: { digest?: unknown }[] }
      | undefined;
    // An index may point at another index (a multi-platform image): follow its first entry.
    const nested = image?.manifests?.[0]?.digest;
    const manifestDoc = typeof nested === 'string' ? (documents.get(blobPath(nested)) as typeof image) : image;
    const configDigest = manifestDoc?.config?.digest;
    const layers = manifestDoc?.layers?.map((layer) => layer.digest);
    if (typeof configDigest === 'string' && layers?.every((layer) => typeof layer === 'string')) {
      return { layerPaths: (layers as string[]).map(blobPath), config: asConfig(documents.get(blobPath(configDigest))) };
    }
  }
  throw new ImageArchiveError('the image archive has neither a manifest.json nor an OCI index.json that names its layers');
}

function blobPath(digest: string): string {
  const colon = digest.indexOf(':');
  return `blobs/${digest.slice(0, colon)}/${digest.slice(colon + 1)}`;
}

function asConfig(value: unknown): ImageArchive['config'] {
  if (value === null || typeof value !== 'object') return {};
  const history = (value as { history?: unknown }).history;
  return Array.isArray(history) ? { history: history as NonNullable<ImageArchive['config']['history']> } : {};
}
