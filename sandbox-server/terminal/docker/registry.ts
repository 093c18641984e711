import { eventError, readEngineStream, type EngineEvent } from '../../engine/engine-streams.ts';
import { engineMessage } from '../../engine/errors.ts';
import { CLASS_REGISTRY, isClassRegistry } from '../../registry/address.ts';
import { engineAuthConfig } from '../../registry/credentials.ts';
import { ownStatus } from '../../registry/progress.ts';
import { formatReference, type ImageReference } from '../../scope/reference.ts';
import type { CommandContext } from '../command.ts';
import type { DockerCommand } from './spec.ts';
import { parseImageName, UsageError } from './spec.ts';

/**
 * `docker push` and registry pulls, against the class registry. The engine talks to it as
 * `localhost:<port>/<ns>/NAME`; the learner reads and types `localhost:5000/NAME`.
 */

interface ProgressEvent extends EngineEvent {
  id?: string;
}

/** Byte-count updates are progress bars in a TTY docker CLI; printed as lines they are noise. */
const PROGRESS_ONLY = new Set(['Downloading', 'Extracting', 'Pushing', 'Waiting']);

/** Streams push or pull progress as the docker CLI prints it without a TTY: one line per step. */
async function followProgress(stream: NodeJS.ReadableStream, context: CommandContext): Promise<void> {
  const { io, engine } = context;
  let failure: string | undefined;
  try {
    await readEngineStream(stream, (event) => {
      const progress = event as ProgressEvent;
      failure = eventError(event) ?? failure;
      if (failure || !progress.status || PROGRESS_ONLY.has(progress.status)) return;
      io.out(engine.namespace.scrub(`${progress.id ? `${progress.id}: ` : ''}${ownStatus(progress.status, engine.namespace.id)}\n`));
    });
  } catch (error) {
    failure ??= engineMessage(error);
  }
  if (failure) throw new UsageError(engine.namespace.scrub(failure));
}

/** The name as the learner wrote it: with its tag if they gave one. */
function named(ref: ImageReference): string {
  return ref.tag ? `${ref.path}:${ref.tag}` : ref.path;
}

export function noRegistryHere(ref: ImageReference, verb: 'push' | 'pull'): UsageError {
  const registry = CLASS_REGISTRY;
  if (!ref.domain) {
    return new UsageError(
      verb === 'push'
        ? `denied: this sandbox can't push to Docker Hub; push to the class registry instead: docker tag ${named(ref)} ${registry}/${named(ref)} && docker push ${registry}/${named(ref)}`
        : `Error response from daemon: pull access denied for ${ref.path}`,
    );
  }
  return new UsageError(`Error response from daemon: this sandbox reaches one registry, ${registry}, not ${ref.domain}`);
}

/** Pulls a repository of the learner's from the class registry. */
export async function pullFromRegistry(context: CommandContext, ref: ImageReference): Promise<void> {
  const { engine, services } = context;
  await engine.ensureNetwork();
  const internal = engine.namespace.imageTag(ref);
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await services.docker.pull(internal, { authconfig: engineAuthConfig() })) as NodeJS.ReadableStream;
  } catch (error) {
    throw new UsageError(`Error response from daemon: ${engine.namespace.scrub(engineMessage(error))}`);
  }
  try {
    await followProgress(stream, context);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`Error response from daemon: ${error.message}`);
    throw error;
  }
  context.io.out(`${formatReference(ref)}\n`);
}

const push: DockerCommand = {
  path: 'image push',
  aliases: ['push'],
  usage: 'docker push NAME[:TAG]',
  summary: 'Push an image to the class registry (localhost:5000)',
  flags: [{ long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' }],
  minArgs: 1,
  maxArgs: 1,
  async run(flags, context) {
    const { engine, services, io } = context;
    const ref = parseImageName(flags.positionals[0]!);
    if (!isClassRegistry(ref)) throw noRegistryHere(ref, 'push');
    if (!ref.tag) io.out('Using default tag: latest\n');
    const wanted = formatReference(ref);
    const image = (await engine.images()).find((candidate) => candidate.tags.includes(wanted));
    if (!image) throw new UsageError(`An image does not exist locally with the tag: ${ref.domain}/${ref.path}`);
    const internal = engine.namespace.imageTag(ref);
    const colon = internal.lastIndexOf(':');
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await services.docker.getImage(internal.slice(0, colon)).push({ tag: internal.slice(colon + 1), authconfig: engineAuthConfig() })) as NodeJS.ReadableStream;
    } catch (error) {
      throw new UsageError(engine.namespace.scrub(engineMessage(error)));
    }
    const quietIo = { ...context, io: { ...io, out: () => undefined } };
    await followProgress(stream, flags.bools.has('quiet') ? quietIo : context);
    if (flags.bools.has('quiet')) io.out(`${wanted}\n`);
    return 0;
  },
};

export const REGISTRY_COMMANDS: DockerCommand[] = [push];
