import { runBuild } from '../../build/run-build.ts';
import { isClassRegistry } from '../../registry/address.ts';
import { noRegistryHere } from './registry.ts';
import { buildLimits } from '../../policy/refusals.ts';
import type { DockerCommand } from './spec.ts';
import { parseImageName, UsageError } from './spec.ts';

const build: DockerCommand = {
  path: 'image build',
  aliases: ['build', 'builder build'],
  usage: 'docker build [OPTIONS] PATH',
  summary: 'Build an image from a Dockerfile',
  flags: [
    { long: 'tag', short: 't', kind: 'list', help: "Name and optionally a tag in the 'name:tag' format" },
    { long: 'file', short: 'f', kind: 'string', help: "Name of the Dockerfile (Default is 'PATH/Dockerfile')" },
    { long: 'no-cache', kind: 'bool', help: 'Do not use cache when building the image' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the build output and print image ID on success' },
    { long: 'pull', kind: 'bool', help: 'Always attempt to pull a newer version of the image (catalogue images are always current)' },
    { long: 'rm', kind: 'bool', help: 'Remove intermediate containers after a successful build (always on)' },
  ],
  refused: [
    { long: 'build-arg', takesValue: true, reason: "build arguments aren't supported here yet; write the value into the Dockerfile with ENV or ARG NAME=value" },
    { long: 'network', takesValue: true, reason: 'builds run with the network off here, so RUN steps use what the base image already has' },
    { long: 'memory', short: 'm', takesValue: true, reason: (policy) => `build limits are set by the sandbox (${buildLimits(policy)})` },
    { long: 'platform', takesValue: true, reason: 'every image here is linux/amd64' },
    { long: 'secret', takesValue: true, reason: "secrets need BuildKit, which this sandbox doesn't use" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(flags, { session, engine, services, io }) {
    const contextPath = flags.positionals[0]!;
    if (contextPath !== '.' && contextPath !== './') {
      throw new UsageError(
        `the build context here is your workspace: use "." (docker build -t NAME .), not ${contextPath}`,
      );
    }
    const dockerfilePath = (flags.strings.get('file') ?? 'Dockerfile').replace(/^\.\//, '');
    const tags = (flags.lists.get('tag') ?? []).map((tag) => {
      const ref = parseImageName(tag);
      if (ref.digest) throw new UsageError(`invalid argument "${tag}" for "-t, --tag" flag: invalid reference format`);
      if (ref.domain && !isClassRegistry(ref)) throw noRegistryHere(ref, 'push');
      return ref;
    });
    if (session.activeBuild) {
      throw new UsageError('a build is already running in this session; wait for it, or press Ctrl-C in its terminal');
    }
    const controller = new AbortController();
    const abort = () => controller.abort();
    io.signal.addEventListener('abort', abort, { once: true });
    session.activeBuild = controller;
    try {
      await engine.ensureNetwork();
      const result = await runBuild(
        engine,
        session.files,
        {
          dockerfilePath,
          tags,
          noCache: flags.bools.has('no-cache'),
          quiet: flags.bools.has('quiet'),
          client: session.record.address ?? session.namespace.id,
        },
        { docker: services.docker, queue: services.buildQueue, policy: services.policy },
        { out: io.out, err: io.err },
        controller.signal,
      );
      services.lastBuilds.set(session, result);
      session.emit('objects');
      return result.ok ? 0 : 1;
    } finally {
      session.activeBuild = undefined;
      io.signal.removeEventListener('abort', abort);
    }
  },
};

export const BUILD_COMMANDS: DockerCommand[] = [build];
