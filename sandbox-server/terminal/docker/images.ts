import { daemonError, isNotFound } from '../../engine/errors.ts';
import { allowsBaseImage, availableBaseImages } from '../../policy/lesson-policy.ts';
import { formatReference, parseReference, type ImageReference } from '../../scope/reference.ts';
import type { OwnImage, ScopedEngine } from '../../scope/scoped-engine.ts';
import { checkImageQuota as checkOwnImageQuota, ImageRuleError, pruneOwnImages, removeOwnImage, tagOwnImage } from '../../scope/image-operations.ts';
import type { CommandContext } from '../command.ts';
import { formatTable } from '../format/table.ts';
import { ago, ellipsis, imageSize, shortId } from '../format/units.ts';
import { isClassRegistry } from '../../registry/address.ts';
import { noRegistryHere, pullFromRegistry } from './registry.ts';
import type { DockerCommand } from './spec.ts';
import { parseImageName, UsageError } from './spec.ts';

/** The learner's image for a name or ID, or a docker-style "No such image" error. */
export async function requireImage(engine: ScopedEngine, text: string): Promise<OwnImage> {
  const image = await engine.findImage(text);
  if (!image) throw new UsageError(`Error response from daemon: No such image: ${text}`);
  return image;
}

function splitTag(tag: string): [string, string] {
  const colon = tag.lastIndexOf(':');
  return [tag.slice(0, colon), tag.slice(colon + 1)];
}

const imagesList: DockerCommand = {
  path: 'image ls',
  aliases: ['images', 'image list'],
  usage: 'docker images [OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all images (default hides intermediate images)' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
    { long: 'filter', short: 'f', kind: 'list', value: 'filter', help: 'Filter output based on conditions provided (dangling=true|false)' },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  ],
  maxArgs: 1,
  async run(flags, { engine, io }) {
    let images = await engine.images();
    const [repository] = flags.positionals;
    for (const filter of flags.lists.get('filter') ?? []) {
      const [key, value] = filter.split('=');
      if (key !== 'dangling' || (value !== 'true' && value !== 'false')) {
        throw new UsageError(`invalid filter '${filter}': this sandbox supports dangling=true and dangling=false`);
      }
      images = images.filter((image) => (image.tags.length === 0) === (value === 'true'));
    }
    const rows: { repository: string; tag: string; image: OwnImage }[] = [];
    for (const image of images.sort((a, b) => b.created - a.created)) {
      if (image.tags.length === 0) {
        if (!repository) rows.push({ repository: '<none>', tag: '<none>', image });
        continue;
      }
      for (const tag of image.tags) {
        const [name, version] = splitTag(tag);
        if (repository && !matchesRepository(repository, name, version)) continue;
        rows.push({ repository: name, tag: version, image });
      }
    }
    const id = (image: OwnImage) => (flags.bools.has('no-trunc') ? image.id : shortId(image.id));
    if (flags.bools.has('quiet')) {
      io.out([...new Set(rows.map((row) => id(row.image)))].map((line) => `${line}\n`).join(''));
      return 0;
    }
    io.out(
      formatTable(
        ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
        rows.map((row) => [row.repository, row.tag, id(row.image), ago(row.image.created), imageSize(row.image.size)]),
      ),
    );
    return 0;
  },
};

function matchesRepository(filter: string, name: string, tag: string): boolean {
  const [filterName, filterTag] = filter.includes(':') ? splitTag(filter) : [filter, undefined];
  return filterName === name && (filterTag === undefined || filterTag === tag);
}

const imageRemove: DockerCommand = {
  path: 'image rm',
  aliases: ['rmi', 'image remove'],
  usage: 'docker rmi [OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force removal of the image' },
    { long: 'no-prune', kind: 'bool', help: 'Do not delete untagged parents' },
  ],
  minArgs: 1,
  async run(flags, context) {
    let status = 0;
    for (const name of flags.positionals) {
      try {
        await removeImage(context, name, flags.bools.has('force'));
      } catch (error) {
        context.io.err(`${error instanceof UsageError ? error.message : context.engine.namespace.scrub(daemonError(error))}\n`);
        status = 1;
      }
    }
    return status;
  },
};

async function removeImage({ engine, services, io }: CommandContext, name: string, force: boolean): Promise<void> {
  const records = await asUsageError(removeOwnImage(engine, services.docker, name, force));
  for (const record of records) {
    if (record.Untagged) io.out(`Untagged: ${record.Untagged}\n`);
    if (record.Deleted) io.out(`Deleted: ${record.Deleted}\n`);
  }
}

/** The shared image rules speak the daemon's words; the imitation prints them as the CLI does. */
async function asUsageError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ImageRuleError) {
      throw new UsageError(error.status === 403 || error.status === 400 ? error.message : `Error response from daemon: ${error.message}`);
    }
    throw error;
  }
}

const imageTag: DockerCommand = {
  path: 'image tag',
  aliases: ['tag'],
  usage: 'docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run(flags, context) {
    const { engine } = context;
    const [source, target] = flags.positionals as [string, string];
    await requireImage(engine, source);
    const ref = parseImageName(target);
    if (ref.digest) throw new UsageError(`refusing to create a tag with a digest reference`);
    if (ref.domain && !isClassRegistry(ref)) throw noRegistryHere(ref, 'push');
    await asUsageError(tagOwnImage(engine, source, ref, context.services.policy.quotas.images));
    return 0;
  },
};

const imageHistory: DockerCommand = {
  path: 'image history',
  aliases: ['history'],
  usage: 'docker history [OPTIONS] IMAGE',
  summary: 'Show the history of an image',
  flags: [
    { long: 'human', short: 'H', kind: 'bool', help: 'Print sizes and dates in human readable format (default true)' },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(flags, { engine, services, io }) {
    const image = await requireImage(engine, flags.positionals[0]!);
    const layers = (await services.docker.getImage(image.id).history()) as {
      Id: string;
      Created: number;
      CreatedBy: string;
      Size: number;
      Comment: string;
    }[];
    const noTrunc = flags.bools.has('no-trunc');
    const id = (layer: { Id: string }) =>
      layer.Id === '<missing>' ? '<missing>' : noTrunc ? layer.Id : shortId(layer.Id);
    if (flags.bools.has('quiet')) {
      io.out(layers.map((layer) => `${id(layer)}\n`).join(''));
      return 0;
    }
    io.out(
      formatTable(
        ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
        layers.map((layer) => {
          const createdBy = engine.namespace.scrub(layer.CreatedBy.replace(/\s+/g, ' '));
          return [
            id(layer),
            ago(layer.Created),
            noTrunc ? createdBy : ellipsis(createdBy, 45),
            imageSize(layer.Size),
            layer.Comment ?? '',
          ];
        }),
      ),
    );
    return 0;
  },
};

const imagePull: DockerCommand = {
  path: 'image pull',
  aliases: ['pull'],
  usage: 'docker pull NAME[:TAG]',
  summary: 'Download an image from the catalogue or the class registry',
  flags: [{ long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' }],
  minArgs: 1,
  maxArgs: 1,
  async run(flags, context) {
    const name = flags.positionals[0]!;
    const ref = parseImageName(name);
    if (!ref.tag && !ref.digest && !flags.bools.has('quiet')) context.io.out('Using default tag: latest\n');
    if (ref.domain) {
      if (!isClassRegistry(ref)) throw noRegistryHere(ref, 'pull');
      await checkImageQuota(context, ref);
      await pullFromRegistry(context, ref);
      return 0;
    }
    await pullImage(context, ref, flags.bools.has('quiet'));
    return 0;
  },
};

async function checkImageQuota({ engine, services }: CommandContext, ref: ImageReference, imageId?: string): Promise<void> {
  await asUsageError(checkOwnImageQuota(engine, ref, services.policy.quotas.images, imageId));
}

/** Pulls from the catalogue with output shaped like a registry pull. */
export async function pullImage({ engine, services, io }: CommandContext, ref: ImageReference, quiet = false): Promise<string> {
  const display = formatReference(ref);
  const source = allowsBaseImage(services.policy, ref) ? engine.catalogueTag(ref) : undefined;
  if (!source) {
    throw new UsageError(
      `Error response from daemon: pull access denied for ${ref.domain ? `${ref.domain}/` : ''}${ref.path}: ${services.policy.baseImages ? 'this lesson' : 'this sandbox'} can pull only ${availableBaseImages(services.policy).join(', ')}`,
    );
  }
  const present = await engine.hasImage(ref);
  const id = present ? (await engine.docker.getImage(engine.namespace.imageTag(ref)).inspect()).Id : await engine.pullFromCatalogue(ref);
  if (quiet) {
    io.out(`docker.io/${ref.path.includes('/') ? '' : 'library/'}${display}\n`);
    return id;
  }
  const tag = ref.tag ?? 'latest';
  io.out(`${tag}: Pulling from ${ref.path.includes('/') ? ref.path : `library/${ref.path}`}\n`);
  if (!present) io.out(`${shortId(id)}: Pull complete\n`);
  io.out(`Digest: ${id}\n`);
  io.out(present ? `Status: Image is up to date for ${display}\n` : `Status: Downloaded newer image for ${display}\n`);
  io.out(`docker.io/${ref.path.includes('/') ? '' : 'library/'}${display}\n`);
  return id;
}

const imagePrune: DockerCommand = {
  path: 'image prune',
  usage: 'docker image prune [OPTIONS]',
  summary: 'Remove unused images',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(flags, { engine, services, io }) {
    const all = flags.bools.has('all');
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!flags.bools.has('force') && !(await io.confirm(`${warning}\nAre you sure you want to continue?`))) return 0;
    const { records, reclaimed } = await pruneOwnImages(engine, services.docker, all);
    const lines = records.map((record) => (record.Untagged ? `untagged: ${record.Untagged}` : `deleted: ${record.Deleted}`));
    if (lines.length > 0) io.out(`Deleted Images:\n${lines.join('\n')}\n\n`);
    io.out(`Total reclaimed space: ${imageSize(reclaimed)}\n`);
    return 0;
  },
};

const imageInspectNotFound = (name: string) => new UsageError(`Error: No such image: ${name}`);

const imageInspect: DockerCommand = {
  path: 'image inspect',
  usage: 'docker image inspect [OPTIONS] IMAGE [IMAGE...]',
  summary: 'Display detailed information on one or more images',
  flags: [{ long: 'format', short: 'f', kind: 'string', help: 'Format the output using a Go template' }],
  minArgs: 1,
  async run(flags, context) {
    const { ownImageInspect, renderInspect } = await import('./inspect.ts');
    const results: unknown[] = [];
    for (const name of flags.positionals) {
      const image = await context.engine.findImage(name);
      if (!image) throw imageInspectNotFound(name);
      try {
        results.push(ownImageInspect(await context.services.docker.getImage(image.id).inspect(), image));
      } catch (error) {
        if (isNotFound(error)) throw imageInspectNotFound(name);
        throw error;
      }
    }
    return renderInspect(results, flags.strings.get('format'), context);
  },
};

export const IMAGE_COMMANDS: DockerCommand[] = [
  imagesList,
  imageRemove,
  imageTag,
  imageHistory,
  imagePull,
  imagePrune,
  imageInspect,
];
