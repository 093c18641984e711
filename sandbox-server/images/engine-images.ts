import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { eventError, readEngineStream } from '../engine/engine-streams.ts';

/** How many lines of build output are kept to explain a failed build. */
const KEPT_BUILD_LINES = 20;

const ANSI_ESCAPES = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Lines the classic builder prints about itself rather than about the step that ran. */
const BUILDER_CHATTER = /^(Step \d+\/\d+ :|--->|Removing intermediate container|Successfully )/;

/**
 * Imports a root filesystem tar as a new, untagged image and returns its ID. `changes` are
 * Dockerfile instructions (CMD, ENV, LABEL...) applied to the image's configuration.
 */
export async function importRootfs(docker: Docker, rootfs: NodeJS.ReadableStream, changes: string[]): Promise<string> {
  const stream = await docker.importImage(rootfs, { changes });
  let imageId: string | undefined;
  let failure: string | undefined;
  await readEngineStream(stream, (event) => {
    failure ??= eventError(event);
    // The import answers with the new image's ID as its final status.
    if (event.status?.startsWith('sha256:')) imageId = event.status.trim();
  });
  if (failure) throw new Error(`docker import failed: ${failure}`);
  if (!imageId) throw new Error('docker import failed: the engine did not report an image ID');
  return imageId;
}

export interface BuildOptions {
  /** Tags the result as it is committed, e.g. 'node:18-slim'. */
  tag?: string;
  labels?: Record<string, string>;
  /** 'none' for builds that need no packages; 'bridge' for apt-get on the default network. */
  networkMode: 'none' | 'bridge';
  /** Run every step again instead of reusing the engine's build cache. */
  noCache?: boolean;
}

/**
 * Builds a context tar with the classic builder (the one that applies network mode to each RUN
 * step) and returns the image ID. A failed build is reported in one sentence with the builder's
 * error and the last line the failing step printed.
 */
export async function buildImage(docker: Docker, context: NodeJS.ReadableStream, options: BuildOptions): Promise<string> {
  const stream = await docker.buildImage(context, {
    version: '1',
    t: options.tag,
    labels: options.labels,
    networkmode: options.networkMode,
    nocache: options.noCache ?? false,
    rm: true,
    forcerm: true,
  });
  const output: string[] = [];
  // A step's output arrives in chunks that can split a line, even a colour code, in two.
  let partialLine = '';
  const keepLine = (line: string) => {
    const text = line.replace(ANSI_ESCAPES, '').trim();
    if (!text) return;
    output.push(text);
    if (output.length > KEPT_BUILD_LINES) output.shift();
  };
  let imageId: string | undefined;
  let failure: string | undefined;
  await readEngineStream(stream, (event) => {
    failure ??= eventError(event);
    if (event.aux?.ID) imageId = event.aux.ID;
    const lines = (partialLine + (event.stream ?? '')).split('\n');
    partialLine = lines.pop() ?? '';
    lines.forEach(keepLine);
  });
  keepLine(partialLine);
  if (failure) {
    const lastOutput = output.findLast((line) => !BUILDER_CHATTER.test(line));
    throw new Error(`docker build failed: ${failure}${lastOutput ? ` (last output: ${lastOutput})` : ''}`);
  }
  if (!imageId) throw new Error('docker build failed: the engine did not report an image ID');
  return imageId;
}

/** A build context made in memory from named files. */
export function contextTar(files: Record<string, string>): NodeJS.ReadableStream {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) {
    // A script (one starting with #!) is executable, so a recipe can COPY an entrypoint.
    pack.entry({ name, type: 'file', mode: content.startsWith('#!') ? 0o755 : 0o644, mtime: new Date(0) }, content);
  }
  pack.finalize();
  // tar-stream packs are streamx streams; dockerode pipes Node streams.
  return Readable.from(pack);
}

/** Points `repository:tag` at an image, moving the tag if it pointed elsewhere. */
export async function tagImage(docker: Docker, imageId: string, reference: string): Promise<void> {
  const { repository, tag } = splitReference(reference);
  await docker.getImage(imageId).tag({ repo: repository, tag });
}

export function splitReference(reference: string): { repository: string; tag: string } {
  // The tag follows the last colon, unless that colon belongs to a registry port ('host:5000/x').
  const colon = reference.lastIndexOf(':');
  if (colon === -1 || reference.indexOf('/', colon) !== -1) return { repository: reference, tag: 'latest' };
  return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
}
