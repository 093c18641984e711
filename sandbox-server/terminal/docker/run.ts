import { randomBytes } from 'node:crypto';
import type { Container } from 'dockerode';
import { daemonError, engineMessage, isConflict } from '../../engine/errors.ts';
import { containerCreateOptions, type ContainerSpec, type PublishedPort, type VolumeMount } from '../../policy/container-template.ts';
import { formatReference, InvalidReferenceError, parseReference } from '../../scope/reference.ts';
import type { OwnContainer } from '../../scope/scoped-engine.ts';
import type { CommandContext } from '../command.ts';
import type { ParsedFlags } from './flags.ts';
import { pullImage } from './images.ts';
import { PROC_REFUSAL, underProc } from '../../policy/proc-paths.ts';
import { isClassRegistry } from '../../registry/address.ts';
import { noRegistryHere, pullFromRegistry } from './registry.ts';
import { OBJECT_NAME, randomContainerName } from '../../scope/object-names.ts';
import { HOST_PATH_REFUSAL, REFUSED_RUN_FLAGS } from './refusals.ts';
import type { DockerCommand } from './spec.ts';
import { UsageError } from './spec.ts';
import { InitFailureFilter } from './init-process.ts';
import { attachKeyboard, pipeToTerminal, settleWithin } from './streams.ts';

/** docker run exits 125 when docker itself fails, as opposed to the container. */
const DOCKER_FAILED = 125;

function runError(message: string): UsageError {
  return new UsageError(`docker: ${message}`, DOCKER_FAILED);
}

export function parsePort(text: string): PublishedPort {
  const match = /^(?:(?:(\d{1,3}(?:\.\d{1,3}){3}|localhost)):)?(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(text);
  if (!match) throw runError(`invalid port "${text}": publish ports like -p 8080:80 (HOST:CONTAINER)`);
  const [, address, host, container, protocol] = match;
  if (address && address !== '0.0.0.0' && address !== '127.0.0.1' && address !== 'localhost') {
    throw runError(`published ports listen on localhost here; write -p ${host ?? container}:${container}`);
  }
  const containerPort = Number(container);
  const hostPort = host === undefined ? 0 : Number(host);
  if (containerPort < 1 || containerPort > 65535 || hostPort > 65535 || (host !== undefined && hostPort < 1)) {
    throw runError(`invalid port "${text}": port numbers go from 1 to 65535`);
  }
  return { hostPort, containerPort, protocol: (protocol ?? 'tcp') as 'tcp' | 'udp' };
}

export function parseVolume(text: string): VolumeMount & { anonymous: boolean } {
  const parts = text.split(':');
  if (parts.length === 1) {
    if (!parts[0]!.startsWith('/')) throw runError(`invalid volume "${text}": the path in the container must be absolute`);
    return { name: '', target: parts[0]!, readOnly: false, anonymous: true };
  }
  const [source, target, mode, ...extra] = parts as [string, string, string?];
  if (/^[/.~]/.test(source) || source.includes('/')) throw runError(HOST_PATH_REFUSAL);
  if (!OBJECT_NAME.test(source)) {
    throw runError(`"${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  }
  if (!target?.startsWith('/')) throw runError(`invalid volume "${text}": the path in the container must be absolute`);
  if (extra.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw runError(`invalid volume "${text}": the mode after the path can be ro or rw`);
  }
  return { name: source, target, readOnly: mode === 'ro', anonymous: false };
}

const RUN_FLAGS = [
  { long: 'detach', short: 'd', kind: 'bool', help: 'Run container in background and print container ID' },
  { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
  { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { long: 'rm', kind: 'bool', help: 'Automatically remove the container when it exits' },
  { long: 'name', kind: 'string', help: 'Assign a name to the container' },
  { long: 'publish', short: 'p', kind: 'list', help: "Publish a container's port to the host (HOST:CONTAINER)" },
  { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
  { long: 'volume', short: 'v', kind: 'list', help: 'Bind mount a named volume (NAME:/path)' },
  { long: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
  { long: 'entrypoint', kind: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { long: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { long: 'hostname', short: 'h', kind: 'string', help: 'Container host name' },
  { long: 'init', kind: 'bool', help: 'Run an init inside the container (always on here)' },
] as const satisfies DockerCommand['flags'];

interface RunPlan {
  spec: ContainerSpec;
  imageText: string;
  detach: boolean;
  remove: boolean;
  anonymousVolumes: number;
  hostname?: string;
}

function planRun(flags: ParsedFlags, context: CommandContext): RunPlan {
  const [imageText, ...command] = flags.positionals as [string, ...string[]];
  const tty = flags.bools.has('tty');
  const interactive = flags.bools.has('interactive');
  // The CLI checks this itself, before asking the daemon: no "docker:" prefix, and status 1.
  if (tty && interactive && !context.io.tty) throw new UsageError('the input device is not a TTY');
  const name = flags.strings.get('name');
  if (name !== undefined && !OBJECT_NAME.test(name)) {
    throw runError(`Error response from daemon: Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed.`);
  }
  const env = (flags.lists.get('env') ?? []).flatMap((entry) => {
    const key = entry.split('=')[0]!;
    if (!key) throw runError(`invalid argument "${entry}" for "-e, --env" flag: variable name is empty`);
    // KEY without a value copies it from the host in docker; there is no host to copy from here.
    return entry.includes('=') ? [entry] : [];
  });
  const workdir = flags.strings.get('workdir');
  if (workdir !== undefined && !workdir.startsWith('/')) {
    throw runError(`Error response from daemon: the working directory '${workdir}' is invalid, it needs to be an absolute path`);
  }
  if (workdir !== undefined && underProc(workdir)) throw runError(PROC_REFUSAL);
  const volumes = (flags.lists.get('volume') ?? []).map(parseVolume);
  const entrypoint = flags.strings.get('entrypoint');
  return {
    imageText,
    detach: flags.bools.has('detach'),
    remove: flags.bools.has('rm'),
    anonymousVolumes: volumes.filter((volume) => volume.anonymous).length,
    hostname: flags.strings.get('hostname'),
    spec: {
      image: '',
      name: name ?? '',
      command: command.length > 0 ? command : undefined,
      entrypoint: entrypoint === undefined ? undefined : [entrypoint],
      env,
      workdir,
      user: flags.strings.get('user'),
      tty,
      interactive,
      ports: (flags.lists.get('publish') ?? []).map(parsePort),
      volumes,
    },
  };
}

/** Finds the image, "pulling" from the catalogue the way docker run does when it is missing. */
async function resolveRunImage(context: CommandContext, text: string): Promise<string> {
  const { engine, io } = context;
  let ref;
  try {
    const own = await engine.findImage(text);
    ref = parseReferenceOrUndefined(text);
    if (own) {
      // By name, the container records the name (docker ps shows it); by ID, the full ID, which
      // the engine can't resolve to another session's image.
      return ref && own.tags.includes(formatReference(ref)) ? engine.namespace.qualify(ref) : own.id;
    }
    ref = parseReference(text);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw runError(`${error.message}.`);
    throw error;
  }
  io.err(`Unable to find image '${formatReference(ref)}' locally\n`);
  try {
    if (!ref.domain) await pullImage(context, ref);
    else if (isClassRegistry(ref)) await pullFromRegistry(context, ref);
    else throw noRegistryHere(ref, 'pull');
  } catch (error) {
    if (error instanceof UsageError) throw runError(error.message);
    throw error;
  }
  return engine.namespace.qualify(ref);
}

function parseReferenceOrUndefined(text: string) {
  try {
    return parseReference(text);
  } catch {
    return undefined;
  }
}

async function checkQuotas(context: CommandContext, plan: RunPlan): Promise<void> {
  const { engine, services } = context;
  const quotas = services.policy.quotas;
  const containers = await engine.containers({ all: true });
  const running = containers.filter((container) => container.state === 'running');
  if (containers.length >= quotas.containers) {
    throw runError(
      `you have ${containers.length} containers, the most a session may keep; remove stopped ones with docker rm or docker container prune`,
    );
  }
  const taken = new Set(containers.map((container) => container.name));
  // Docker refuses a taken name before it looks at ports.
  if (plan.spec.name && taken.has(plan.spec.name)) throw nameConflict(plan.spec.name);
  checkRunning(plan, running, quotas.runningContainers);
  if (!plan.spec.name) plan.spec.name = randomContainerName(taken);
  const newVolumes = plan.spec.volumes.filter((volume) => !volume.name || !taken.has(volume.name));
  if (newVolumes.length > 0) {
    const volumes = await engine.volumes();
    const missing = plan.spec.volumes.filter((volume) => !volume.name || !volumes.some((own) => own.name === volume.name));
    if (volumes.length + missing.length > quotas.volumes) {
      throw runError(`a session may keep ${quotas.volumes} volumes; remove some with docker volume rm`);
    }
  }
}

function nameConflict(name: string): UsageError {
  return runError(
    `Error response from daemon: Conflict. The container name "/${name}" is already in use. You have to remove (or rename) that container to be able to reuse that name.`,
  );
}

function checkRunning(plan: RunPlan, running: OwnContainer[], maxRunning: number): void {
  if (running.length >= maxRunning) {
    throw runError(
      `${running.length} containers are already running, the most a session may run at once; stop one with docker stop NAME`,
    );
  }
  checkPortsFree(plan.spec.ports, running.flatMap((container) => container.ports));
}

export function checkPortsFree(wanted: PublishedPort[], inUse: PublishedPort[]): void {
  const seen = new Set(inUse.map((port) => `${port.hostPort}/${port.protocol}`));
  for (const port of wanted) {
    const key = `${port.hostPort}/${port.protocol}`;
    if (port.hostPort !== 0 && seen.has(key)) {
      throw runError(`Error response from daemon: Bind for 0.0.0.0:${port.hostPort} failed: port is already allocated.`);
    }
    seen.add(key);
  }
}

/** Ports given as -p 80 get a free host port from 49153 up, as the engine would pick. */
function assignHostPorts(ports: PublishedPort[], inUse: PublishedPort[]): void {
  const used = new Set([...inUse, ...ports].map((port) => port.hostPort));
  let next = 49153;
  for (const port of ports) {
    if (port.hostPort !== 0) continue;
    while (used.has(next)) next += 1;
    port.hostPort = next;
    used.add(next);
  }
}

async function ensureVolumes(context: CommandContext, plan: RunPlan): Promise<void> {
  const existing = new Set((await context.engine.volumes()).map((volume) => volume.name));
  for (const volume of plan.spec.volumes) {
    if (!volume.name) volume.name = randomBytes(32).toString('hex');
    if (!existing.has(volume.name)) await context.engine.createVolume(volume.name);
  }
}


const run: DockerCommand = {
  path: 'container run',
  aliases: ['run'],
  usage: 'docker run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Run a command in a new container',
  flags: [...RUN_FLAGS],
  refused: REFUSED_RUN_FLAGS,
  interspersed: false,
  minArgs: 1,
  async run(flags, context) {
    const plan = planRun(flags, context);
    const { engine, services, session } = context;
    try {
      plan.spec.image = await resolveRunImage(context, plan.imageText);
      await checkQuotas(context, plan);
      const running = (await engine.containers({ all: false })).flatMap((container) => container.ports);
      assignHostPorts(plan.spec.ports, running);
      await engine.ensureNetwork();
      if (plan.spec.volumes.length > 0) await ensureVolumes(context, plan);
      const options = containerCreateOptions(plan.spec, engine.namespace, services.policy);
      if (plan.hostname) options.Hostname = plan.hostname;
      let container: Container;
      try {
        container = await services.docker.createContainer(options);
      } catch (error) {
        if (isConflict(error)) throw nameConflict(plan.spec.name);
        throw error;
      }
      session.emit('objects');
      if (plan.detach) {
        await startOrExplain(context, container, plan);
        if (plan.remove) removeWhenExited(container);
        context.io.out(`${container.id}\n`);
        return 0;
      }
      return await runAttached(context, container, plan);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw runError(engine.namespace.scrub(daemonError(error)));
    } finally {
      session.emit('objects');
    }
  },
};

/** Starts a container; a failed start becomes docker's message and exit status. */
async function startOrExplain(context: CommandContext, container: Container, plan: RunPlan): Promise<void> {
  try {
    // The quota is checked again under the session's start lock: another terminal of the same
    // session may have started a container since checkQuotas.
    await context.engine.startContainer(container.id, (running) =>
      checkRunning(plan, running, context.services.policy.quotas.runningContainers),
    );
  } catch (error) {
    if (error instanceof UsageError) {
      // Refused before it ever ran: the container this run made goes too.
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw error;
    }
    if (plan.remove) await container.remove({ force: true, v: true }).catch(() => undefined);
    const message = context.engine.namespace.scrub(engineMessage(error));
    const status = /executable file not found|no such file or directory/.test(message) ? 127 : /permission denied/.test(message) ? 126 : DOCKER_FAILED;
    throw new UsageError(`docker: Error response from daemon: ${message}.`, status);
  }
}

function removeWhenExited(container: Container): void {
  container
    .wait()
    .then(() => container.remove({ force: true, v: true }))
    .catch(() => undefined);
}

/**
 * The foreground path of docker run: attach before start so no output is lost, stream until the
 * container exits, and hand the terminal to the container's TTY for -it.
 */
async function runAttached(context: CommandContext, container: Container, plan: RunPlan): Promise<number> {
  const { io, services } = context;
  const { tty, interactive } = plan.spec;
  const stream = (await container.attach({
    stream: true,
    stdin: interactive,
    stdout: true,
    stderr: true,
    hijack: interactive,
  })) as NodeJS.ReadWriteStream;
  const output = withEngineStartErrors(io, tty);
  const drained = pipeToTerminal(services.docker, stream, tty, output.io);
  // Keystrokes go to the container from before it starts: its first prompt can reach the learner
  // before the engine answers the start request, and what they type then must not be lost.
  let detach: (() => void) | undefined;
  if (interactive && io.tty) {
    detach = attachKeyboard(io, stream, (size) => container.resize(size), tty);
  }
  try {
    await startOrExplain(context, container, plan);
  } catch (error) {
    detach?.();
    throw error;
  }
  // Asked only after start: a wait that reaches the engine while the container is still "created"
  // answers at once with status 0 ("not-running"), so run would return before the command ends.
  // After start, a container that already finished answers with its real exit code.
  const exited = container.wait() as Promise<{ StatusCode: number }>;

  if (interactive && !io.tty) stream.end(); // piped input has nothing to send: the container reads EOF
  if (interactive && io.tty && tty) {
    // A TTY can only be sized once the container runs.
    const { cols, rows } = io.size();
    await container.resize({ h: rows, w: cols }).catch(() => undefined);
  }

  const interrupted = new Promise<'interrupted'>((resolve) => {
    if (io.signal.aborted) resolve('interrupted');
    io.signal.addEventListener('abort', () => resolve('interrupted'), { once: true });
  });
  try {
    let outcome: { StatusCode: number } | 'interrupted' | 'timeout' = await Promise.race([exited, interrupted]);
    if (outcome === 'interrupted') {
      // Like the docker CLI's signal proxy: pass the interrupt on, then give the container a moment.
      await container.kill({ signal: 'SIGINT' }).catch(() => undefined);
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000));
      outcome = await Promise.race([exited, timeout]);
      if (outcome === 'timeout') {
        // With --rm the container goes now (below); without it, it stays for the learner to stop.
        io.err(
          plan.remove
            ? 'The container ignored the interrupt, so it was stopped and removed (--rm).\n'
            : `The container ignored the interrupt and keeps running; stop it with: docker stop ${plan.spec.name}\n`,
        );
        return 130;
      }
    }
    await settleWithin(drained, 2000);
    return outcome.StatusCode;
  } finally {
    output.flush();
    detach?.();
    if (plan.remove) await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/**
 * The container's output, with init's "exec failed" line shown as the engine's start error: stderr
 * without a TTY, the one merged stream with one. `flush` passes on anything still held back.
 */
function withEngineStartErrors(io: CommandContext['io'], tty: boolean): { io: CommandContext['io']; flush(): void } {
  const filter = new InitFailureFilter(
    (data) => (tty ? io.raw(data) : io.err(data.toString('utf8'))),
    (text) => io.err(text),
  );
  const filtered = tty
    ? { ...io, raw: (data: Uint8Array) => filter.push(data) }
    : { ...io, err: (text: string) => filter.push(Buffer.from(text, 'utf8')) };
  return { io: filtered, flush: () => filter.flush() };
}

export const RUN_COMMANDS: DockerCommand[] = [run];
