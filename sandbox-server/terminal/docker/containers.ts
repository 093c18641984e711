import { daemonError } from '../../engine/errors.ts';
import { splitMultiplexed } from '../../engine/multiplexed.ts';
import type { OwnContainer } from '../../scope/scoped-engine.ts';
import type { CommandContext } from '../command.ts';
import { formatTable } from '../format/table.ts';
import { ago, ellipsis, imageSize, shortId } from '../format/units.ts';
import { withoutInitChanges } from './init-process.ts';
import { checkPortsFree } from './run.ts';
import type { DockerCommand } from './spec.ts';
import { UsageError } from './spec.ts';
import { pipeToTerminal } from './streams.ts';

/** The learner's container by name or ID, or docker's "No such container" error. */
export async function requireContainer(context: CommandContext, text: string): Promise<OwnContainer> {
  const container = await context.engine.findContainer(text);
  if (!container) throw new UsageError(`Error response from daemon: No such container: ${text}`);
  return container;
}

export function formatPorts(container: OwnContainer): string {
  if (container.state !== 'running') return '';
  return container.ports.map((port) => `0.0.0.0:${port.hostPort}->${port.containerPort}/${port.protocol}`).join(', ');
}

function displayImage(image: string): string {
  return image.startsWith('sha256:') ? shortId(image) : image;
}

const ps: DockerCommand = {
  path: 'container ls',
  aliases: ['ps', 'container ps', 'container list'],
  usage: 'docker ps [OPTIONS]',
  summary: 'List containers',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { long: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  ],
  maxArgs: 0,
  async run(flags, { engine, services, io }) {
    const containers = (await engine.containers({ all: flags.bools.has('all') })).sort((a, b) => b.created - a.created);
    const noTrunc = flags.bools.has('no-trunc');
    const id = (container: OwnContainer) => (noTrunc ? container.id : shortId(container.id));
    if (flags.bools.has('quiet')) {
      io.out(containers.map((container) => `${id(container)}\n`).join(''));
      return 0;
    }
    const header = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];
    const sizes = new Map<string, string>();
    if (flags.bools.has('size')) {
      header.push('SIZE');
      const withSizes = await services.docker.listContainers({
        all: true,
        size: true,
        filters: { label: [engine.namespace.labelFilter] },
      });
      for (const info of withSizes) {
        const sized = info as typeof info & { SizeRw?: number; SizeRootFs?: number };
        sizes.set(info.Id, `${imageSize(sized.SizeRw ?? 0)} (virtual ${imageSize(sized.SizeRootFs ?? 0)})`);
      }
    }
    io.out(
      formatTable(
        header,
        containers.map((container) => {
          const command = noTrunc ? container.command : ellipsis(container.command, 20);
          const row = [
            id(container),
            displayImage(container.image),
            `"${command}"`,
            ago(container.created),
            container.status,
            formatPorts(container),
            container.name,
          ];
          if (sizes.size > 0) row.push(sizes.get(container.id) ?? '');
          return row;
        }),
      ),
    );
    return 0;
  },
};

/** Runs `action` on each named container, printing the name as docker does, or its error. */
async function eachContainer(
  names: string[],
  context: CommandContext,
  action: (container: OwnContainer) => Promise<void>,
): Promise<number> {
  let status = 0;
  for (const name of names) {
    try {
      const container = await requireContainer(context, name);
      await action(container);
      context.io.out(`${name}\n`);
    } catch (error) {
      const message = error instanceof UsageError ? error.message : context.engine.namespace.scrub(daemonError(error));
      context.io.err(`${message}\n`);
      status = 1;
    }
  }
  context.session.emit('objects');
  return status;
}

const start: DockerCommand = {
  path: 'container start',
  aliases: ['start'],
  usage: 'docker start [OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  flags: [
    { long: 'attach', short: 'a', kind: 'bool', help: "Attach STDOUT/STDERR and forward signals" },
  ],
  minArgs: 1,
  async run(flags, context) {
    const { services, engine } = context;
    const quotas = services.policy.quotas;
    if (flags.bools.has('attach')) {
      if (flags.positionals.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
      const own = await requireContainer(context, flags.positionals[0]!);
      const container = services.docker.getContainer(own.id);
      const info = await container.inspect();
      const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
      const drained = pipeToTerminal(services.docker, stream, info.Config.Tty, context.io);
      await startOwned(context, own, quotas.runningContainers);
      const exited = (await container.wait()) as { StatusCode: number };
      await drained;
      return exited.StatusCode;
    }
    return eachContainer(flags.positionals, context, (container) => startOwned(context, container, quotas.runningContainers));
  },
};

async function startOwned(context: CommandContext, container: OwnContainer, maxRunning: number): Promise<void> {
  if (container.state === 'running') return;
  // Checked under the session's start lock, so two terminals can't both take the last place.
  await context.engine.startContainer(container.id, (running) => {
    if (running.length >= maxRunning) {
      throw new UsageError(
        `Error response from daemon: ${running.length} containers are already running, the most a session may run at once; stop one with docker stop NAME`,
      );
    }
    checkPortsFree(container.ports, running.flatMap((other) => other.ports));
  });
}

const stop: DockerCommand = {
  path: 'container stop',
  aliases: ['stop'],
  usage: 'docker stop [OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  flags: [{ long: 'time', short: 't', kind: 'string', value: 'int', help: 'Seconds to wait for stop before killing it (default 10)' }],
  minArgs: 1,
  async run(flags, context) {
    const seconds = waitSeconds(flags.strings.get('time'));
    return eachContainer(flags.positionals, context, async (container) => {
      await context.services.docker.getContainer(container.id).stop({ t: seconds }).catch(ignoreNotModified);
    });
  },
};

const restart: DockerCommand = {
  path: 'container restart',
  aliases: ['restart'],
  usage: 'docker restart [OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  flags: [{ long: 'time', short: 't', kind: 'string', value: 'int', help: 'Seconds to wait for stop before killing the container (default 10)' }],
  minArgs: 1,
  async run(flags, context) {
    const seconds = waitSeconds(flags.strings.get('time'));
    return eachContainer(flags.positionals, context, async (container) => {
      // Restarting a stopped container starts it: the same quota and ports apply.
      if (container.state !== 'running') return startOwned(context, container, context.services.policy.quotas.runningContainers);
      await context.services.docker.getContainer(container.id).restart({ t: seconds });
    });
  },
};

const kill: DockerCommand = {
  path: 'container kill',
  aliases: ['kill'],
  usage: 'docker kill [OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  flags: [{ long: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container (default "KILL")' }],
  minArgs: 1,
  async run(flags, context) {
    const signal = flags.strings.get('signal') ?? 'KILL';
    return eachContainer(flags.positionals, context, async (container) => {
      if (container.state !== 'running') {
        throw new UsageError(`Error response from daemon: Cannot kill container: ${container.name}: Container ${shortId(container.id)} is not running`);
      }
      await context.services.docker.getContainer(container.id).kill({ signal });
    });
  },
};

const remove: DockerCommand = {
  path: 'container rm',
  aliases: ['rm', 'container remove'],
  usage: 'docker rm [OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { long: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  minArgs: 1,
  async run(flags, context) {
    const force = flags.bools.has('force');
    return eachContainer(flags.positionals, context, async (container) => {
      if (container.state === 'running' && !force) {
        throw new UsageError(
          `Error response from daemon: You cannot remove a running container ${container.id}. Stop the container before attempting removal or force remove`,
        );
      }
      // Anonymous volumes always go: nothing else could ever name them again.
      await context.services.docker.getContainer(container.id).remove({ force, v: true });
    });
  },
};

const logs: DockerCommand = {
  path: 'container logs',
  aliases: ['logs'],
  usage: 'docker logs [OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  flags: [
    { long: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
    { long: 'tail', short: 'n', kind: 'string', help: 'Number of lines to show from the end of the logs (default "all")' },
    { long: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(flags, context) {
    const own = await requireContainer(context, flags.positionals[0]!);
    const container = context.services.docker.getContainer(own.id);
    const info = await container.inspect();
    const tail = flags.strings.get('tail');
    if (tail !== undefined && tail !== 'all' && !/^\d+$/.test(tail)) {
      throw new UsageError(`invalid value for --tail: "${tail}" (use a number or "all")`);
    }
    const options = {
      stdout: true,
      stderr: true,
      timestamps: flags.bools.has('timestamps'),
      tail: tail === undefined || tail === 'all' ? undefined : Number(tail),
    };
    if (!flags.bools.has('follow')) {
      const buffer = (await container.logs({ ...options, follow: false })) as unknown as Buffer;
      writeLogBuffer(buffer, info.Config.Tty, context);
      return 0;
    }
    const stream = (await container.logs({ ...options, follow: true })) as unknown as NodeJS.ReadableStream;
    const drained = pipeToTerminal(context.services.docker, stream, info.Config.Tty, context.io);
    const stopped = new Promise<void>((resolve) => context.io.signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([drained, stopped]);
    (stream as unknown as { destroy?(): void }).destroy?.();
    // Ctrl-C ends the docker CLI by SIGINT, which a shell reports as 130, as run and exec do here.
    return context.io.signal.aborted ? 130 : 0;
  },
};

/** Non-follow logs arrive as one buffer, multiplexed unless the container has a TTY. */
function writeLogBuffer(buffer: Buffer, tty: boolean, { io }: CommandContext): void {
  if (tty) {
    io.raw(buffer);
    return;
  }
  for (const piece of splitMultiplexed(buffer)) (piece.stream === 2 ? io.err : io.out)(piece.text);
}

const diff: DockerCommand = {
  path: 'container diff',
  aliases: ['diff'],
  usage: 'docker diff CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(flags, context) {
    const own = await requireContainer(context, flags.positionals[0]!);
    const changes = withoutInitChanges(
      ((await context.services.docker.getContainer(own.id).changes()) ?? []) as { Kind: number; Path: string }[],
    );
    const kinds = ['C', 'A', 'D'];
    context.io.out(changes.map((change) => `${kinds[change.Kind] ?? '?'} ${change.Path}\n`).join(''));
    return 0;
  },
};

const prune: DockerCommand = {
  path: 'container prune',
  usage: 'docker container prune [OPTIONS]',
  summary: 'Remove all stopped containers',
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' }],
  maxArgs: 0,
  async run(flags, context) {
    const { io, services, engine } = context;
    if (!flags.bools.has('force') && !(await io.confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) {
      return 0;
    }
    // The engine's own prune, held to the session by its label: the same rules and the same
    // accounting as docker's, and nobody else's containers.
    const result = await services.docker.pruneContainers({ filters: { label: [engine.namespace.labelFilter] } });
    const removed = result.ContainersDeleted ?? [];
    if (removed.length > 0) io.out(`Deleted Containers:\n${removed.join('\n')}\n\n`);
    io.out(`Total reclaimed space: ${imageSize(result.SpaceReclaimed ?? 0)}\n`);
    context.session.emit('objects');
    return 0;
  },
};

function waitSeconds(text: string | undefined): number {
  if (text === undefined) return 10;
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid argument "${text}" for "-t, --time" flag: use a whole number of seconds`);
  return Math.min(Number(text), 60);
}

/** Stopping a stopped container answers 304; docker treats that as success. */
function ignoreNotModified(error: unknown): void {
  if ((error as { statusCode?: number }).statusCode !== 304) throw error;
}

export const CONTAINER_COMMANDS: DockerCommand[] = [ps, start, stop, restart, kill, remove, logs, diff, prune];
