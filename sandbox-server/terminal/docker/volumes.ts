import { randomBytes } from 'node:crypto';
import { daemonError, isConflict } from '../../engine/errors.ts';
import { formatTable } from '../format/table.ts';
import { imageSize } from '../format/units.ts';
import { renderInspect } from './inspect.ts';
import { OBJECT_NAME } from '../../scope/object-names.ts';
import type { DockerCommand } from './spec.ts';
import { UsageError } from './spec.ts';

const list: DockerCommand = {
  path: 'volume ls',
  aliases: ['volume list'],
  usage: 'docker volume ls [OPTIONS]',
  summary: 'List volumes',
  flags: [{ long: 'quiet', short: 'q', kind: 'bool', help: 'Only display volume names' }],
  maxArgs: 0,
  async run(flags, { engine, io }) {
    const volumes = (await engine.volumes()).sort((a, b) => a.name.localeCompare(b.name));
    if (flags.bools.has('quiet')) {
      io.out(volumes.map((volume) => `${volume.name}\n`).join(''));
      return 0;
    }
    io.out(formatTable(['DRIVER', 'VOLUME NAME'], volumes.map((volume) => ['local', volume.name])));
    return 0;
  },
};

const create: DockerCommand = {
  path: 'volume create',
  usage: 'docker volume create [OPTIONS] [VOLUME]',
  summary: 'Create a volume',
  flags: [],
  maxArgs: 1,
  async run(flags, { engine, services, io, session }) {
    const name = flags.positionals[0] ?? randomBytes(32).toString('hex');
    if (!OBJECT_NAME.test(name)) {
      throw new UsageError(
        `Error response from daemon: create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
    const volumes = await engine.volumes();
    if (!volumes.some((volume) => volume.name === name)) {
      if (volumes.length >= services.policy.quotas.volumes) {
        throw new UsageError(`a session may keep ${services.policy.quotas.volumes} volumes; remove some with docker volume rm`);
      }
      await engine.createVolume(name);
      session.emit('objects');
    }
    io.out(`${name}\n`);
    return 0;
  },
};

const remove: DockerCommand = {
  path: 'volume rm',
  aliases: ['volume remove'],
  usage: 'docker volume rm [OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }],
  minArgs: 1,
  async run(flags, { engine, services, io, session }) {
    let status = 0;
    for (const name of flags.positionals) {
      const volume = await engine.findVolume(name);
      if (!volume) {
        if (!flags.bools.has('force')) {
          io.err(`Error: No such volume: ${name}\n`);
          status = 1;
        }
        continue;
      }
      try {
        await services.docker.getVolume(volume.internalName).remove();
        io.out(`${name}\n`);
      } catch (error) {
        if (isConflict(error)) {
          const users = (await engine.containers({ all: true })).filter((container) =>
            container.internal.Mounts?.some((mount) => mount.Name === volume.internalName),
          );
          io.err(
            `Error response from daemon: remove ${name}: volume is in use - [${users.map((container) => container.id).join(', ')}]\n`,
          );
        } else {
          io.err(`${engine.namespace.scrub(daemonError(error))}\n`);
        }
        status = 1;
      }
    }
    session.emit('objects');
    return status;
  },
};

const inspect: DockerCommand = {
  path: 'volume inspect',
  usage: 'docker volume inspect [OPTIONS] VOLUME [VOLUME...]',
  summary: 'Display detailed information on one or more volumes',
  flags: [{ long: 'format', short: 'f', kind: 'string', help: 'Format the output using the given Go template' }],
  minArgs: 1,
  async run(flags, context) {
    const results: unknown[] = [];
    for (const name of flags.positionals) {
      const volume = await context.engine.findVolume(name);
      if (!volume) throw new UsageError(`Error: No such volume: ${name}`);
      results.push(await context.services.docker.getVolume(volume.internalName).inspect());
    }
    return renderInspect(results, flags.strings.get('format'), context);
  },
};

const prune: DockerCommand = {
  path: 'volume prune',
  usage: 'docker volume prune [OPTIONS]',
  summary: 'Remove all unused local volumes',
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' }],
  maxArgs: 0,
  async run(flags, { engine, services, io, session }) {
    if (!flags.bools.has('force') && !(await io.confirm('WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?'))) {
      return 0;
    }
    // The engine's own prune, held to the session by its label (it removes what no container uses).
    const result = await services.docker.pruneVolumes({ filters: { label: [engine.namespace.labelFilter] } });
    const removed = (result.VolumesDeleted ?? []).map((name) => engine.namespace.displayName(name) ?? name);
    if (removed.length > 0) io.out(`Deleted Volumes:\n${removed.join('\n')}\n\n`);
    io.out(`Total reclaimed space: ${imageSize(result.SpaceReclaimed ?? 0)}\n`);
    session.emit('objects');
    return 0;
  },
};

export const VOLUME_COMMANDS: DockerCommand[] = [list, create, remove, inspect, prune];
