import { engineMessage } from '../../engine/errors.ts';
import { PROC_REFUSAL, underProc } from '../../policy/proc-paths.ts';
import { shortId } from '../format/units.ts';
import { requireContainer } from './containers.ts';
import { REFUSED_EXEC_FLAGS } from './refusals.ts';
import type { DockerCommand } from './spec.ts';
import { UsageError } from './spec.ts';
import { attachKeyboard, pipeToTerminal, settleWithin } from './streams.ts';

const exec: DockerCommand = {
  path: 'container exec',
  aliases: ['exec'],
  usage: 'docker exec [OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Run a command in a running container',
  flags: [
    { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
    { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
    { long: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: run command in the background' },
    { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
    { long: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
    { long: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  ],
  refused: REFUSED_EXEC_FLAGS,
  interspersed: false,
  minArgs: 2,
  async run(flags, context) {
    const { io, services } = context;
    const [name, ...command] = flags.positionals as [string, ...string[]];
    const tty = flags.bools.has('tty');
    const interactive = flags.bools.has('interactive');
    if (tty && interactive && !io.tty) throw new UsageError('the input device is not a TTY');
    const workdir = flags.strings.get('workdir');
    if (workdir !== undefined && underProc(workdir)) throw new UsageError(PROC_REFUSAL);
    const own = await requireContainer(context, name);
    if (own.state !== 'running') {
      throw new UsageError(`Error response from daemon: Container ${shortId(own.id)} is not running`);
    }
    const container = services.docker.getContainer(own.id);
    const execution = await container.exec({
      Cmd: command,
      AttachStdin: interactive,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
      Env: [...(tty ? ['TERM=xterm-256color'] : []), ...(flags.lists.get('env') ?? []).filter((entry) => entry.includes('='))],
      WorkingDir: workdir,
      User: flags.strings.get('user'),
      // Privileged on exec grants every capability, whatever the container has; never pass it on.
      Privileged: false,
    });
    if (flags.bools.has('detach')) {
      await execution.start({ Detach: true });
      return 0;
    }
    const stream = (await execution.start({ hijack: true, stdin: interactive, Tty: tty })) as NodeJS.ReadWriteStream;
    const drained = pipeToTerminal(services.docker, stream, tty, io);
    let detach: (() => void) | undefined;
    if (interactive && io.tty) {
      detach = attachKeyboard(io, stream, (size) => execution.resize(size), tty);
      if (tty) {
        const { cols, rows } = io.size();
        await execution.resize({ h: rows, w: cols }).catch(() => undefined);
      }
    } else if (interactive) {
      stream.end();
    }
    const interrupted = new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      await Promise.race([drained, interrupted]);
      if (io.signal.aborted) {
        (stream as unknown as { destroy?(): void }).destroy?.();
        return 130;
      }
      await settleWithin(drained, 1000);
      const result = await execution.inspect();
      return result.ExitCode ?? 0;
    } catch (error) {
      throw new UsageError(context.engine.namespace.scrub(engineMessage(error)), 126);
    } finally {
      detach?.();
    }
  },
};

export const EXEC_COMMANDS: DockerCommand[] = [exec];
