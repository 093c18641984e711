import path from 'node:path';
import { z } from 'zod';
import { checkWorkspacePath } from '../sessions/workspace.ts';
import { WORKBENCH_WORKSPACE } from '../workbench/image.ts';
import type { SandboxPolicy } from '../config/policy.ts';
import type { ContainerSpec, PublishedPort, VolumeMount } from '../policy/container-template.ts';
import { PROC_REFUSAL, underProc } from '../policy/proc-paths.ts';
import { REFUSALS, refusalText, type Refusal } from '../policy/refusals.ts';
import { OBJECT_NAME } from '../scope/object-names.ts';
import { BoundaryError } from './api.ts';

/**
 * `POST /containers/create`, read field by field. Every field Docker 20.10's CLI and Compose send
 * is named here: the few a learner may choose are validated and copied into the fixed template
 * (policy/container-template.ts); every other one must hold its zero value, or the request is
 * refused with the sentence that says what to use instead. The learner's HostConfig is never
 * passed on.
 */

const text = (max: number) => z.string().max(max);
const strings = (count: number, max: number) => z.array(text(max)).max(count);
const nothing = z.null();
/** A field the CLI may leave out, send as null, or fill. */
const maybe = <T extends z.ZodType>(schema: T) => z.union([nothing, schema]).optional();
const emptyish = z.union([z.undefined(), nothing, z.literal(''), z.literal(0), z.literal(false), z.array(z.never()).length(0), z.strictObject({})]);

/** Fields the sandbox fixes: each must be absent or zero; anything else is refused with its sentence. */
const FIXED_HOST_FIELDS: Record<string, Refusal> = {
  Privileged: REFUSALS.privileged,
  CapAdd: REFUSALS.capAdd,
  CapDrop: REFUSALS.capDrop,
  Devices: REFUSALS.devices,
  DeviceCgroupRules: REFUSALS.devices,
  DeviceRequests: REFUSALS.devices,
  SecurityOpt: REFUSALS.securityOptions,
  VolumesFrom: REFUSALS.volumesFrom,
  VolumeDriver: REFUSALS.mount,
  Links: REFUSALS.network,
  Dns: REFUSALS.dns,
  DnsOptions: REFUSALS.dns,
  DnsSearch: REFUSALS.dns,
  ExtraHosts: REFUSALS.addHost,
  PidMode: REFUSALS.hostNamespaces,
  IpcMode: REFUSALS.hostNamespaces,
  UTSMode: REFUSALS.hostNamespaces,
  UsernsMode: REFUSALS.hostNamespaces,
  CgroupnsMode: REFUSALS.hostNamespaces,
  Cgroup: REFUSALS.cgroupParent,
  CgroupParent: REFUSALS.cgroupParent,
  Runtime: REFUSALS.runtime,
  Sysctls: REFUSALS.sysctls,
  Ulimits: REFUSALS.ulimits,
  OomKillDisable: REFUSALS.oomKillDisable,
  PublishAllPorts: REFUSALS.publishAll,
  MaskedPaths: REFUSALS.maskedPaths,
  ReadonlyPaths: REFUSALS.maskedPaths,
  Memory: REFUSALS.memory,
  MemorySwap: REFUSALS.memorySwap,
  MemoryReservation: REFUSALS.memory,
  KernelMemory: REFUSALS.memory,
  KernelMemoryTCP: REFUSALS.memory,
  NanoCpus: REFUSALS.cpus,
  CpuShares: REFUSALS.cpus,
  CpuPeriod: REFUSALS.cpus,
  CpuQuota: REFUSALS.cpus,
  CpuRealtimePeriod: REFUSALS.cpus,
  CpuRealtimeRuntime: REFUSALS.cpus,
  CpusetCpus: REFUSALS.cpus,
  CpusetMems: REFUSALS.cpus,
  CpuCount: REFUSALS.cpus,
  CpuPercent: REFUSALS.cpus,
  PidsLimit: REFUSALS.pids,
  BlkioWeight: REFUSALS.ulimits,
  BlkioWeightDevice: REFUSALS.devices,
  BlkioDeviceReadBps: REFUSALS.devices,
  BlkioDeviceWriteBps: REFUSALS.devices,
  BlkioDeviceReadIOps: REFUSALS.devices,
  BlkioDeviceWriteIOps: REFUSALS.devices,
  IOMaximumIOps: REFUSALS.ulimits,
  IOMaximumBandwidth: REFUSALS.ulimits,
  OomScoreAdj: REFUSALS.ulimits,
  ShmSize: REFUSALS.ulimits,
  Tmpfs: REFUSALS.mount,
  StorageOpt: REFUSALS.mount,
  ContainerIDFile: REFUSALS.mount,
  Isolation: REFUSALS.runtime,
  GroupAdd: REFUSALS.securityOptions,
  ReadonlyRootfs: REFUSALS.securityOptions,
};

const portBinding = z.strictObject({ HostIp: text(64).optional(), HostPort: text(16).optional() });

/** Fields of HostConfig a learner may set, as the engine types them. */
const chosenHostFields = z.object({
  Binds: maybe(strings(32, 4096)),
  Mounts: z.union([
    nothing,
    z
      .array(
        z.object({
          Type: text(16),
          Source: text(4096).optional(),
          Target: text(4096),
          ReadOnly: z.boolean().optional(),
        }),
      )
      .max(32),
  ]).optional(),
  PortBindings: maybe(z.record(text(32), z.union([nothing, z.array(portBinding).max(8)]))),
  NetworkMode: maybe(text(128)),
  RestartPolicy: maybe(z.object({ Name: text(32).optional(), MaximumRetryCount: z.number().int().optional() })),
  AutoRemove: maybe(z.boolean()),
  Init: maybe(z.boolean()),
  LogConfig: maybe(z.object({ Type: text(32).optional(), Config: z.union([nothing, z.record(text(64), text(256))]) })),
  ConsoleSize: maybe(z.array(z.number().int().min(0).max(10_000)).max(2)),
  MemorySwappiness: maybe(z.literal(-1)),
});

const KNOWN_HOST_FIELDS = new Set([...Object.keys(FIXED_HOST_FIELDS), ...Object.keys(chosenHostFields.shape)]);

const createBody = z.strictObject({
  Hostname: maybe(text(63)),
  Domainname: maybe(z.literal('')),
  User: maybe(text(64)),
  AttachStdin: z.boolean().optional(),
  AttachStdout: z.boolean().optional(),
  AttachStderr: z.boolean().optional(),
  ExposedPorts: maybe(z.record(text(32), z.strictObject({}))),
  Tty: z.boolean().optional(),
  OpenStdin: z.boolean().optional(),
  StdinOnce: z.boolean().optional(),
  Env: maybe(strings(256, 32 * 1024)),
  Cmd: maybe(strings(1024, 32 * 1024)),
  Healthcheck: maybe(z.object({ Test: z.union([nothing, strings(64, 4096)]) }).passthrough()),
  ArgsEscaped: z.boolean().optional(),
  Image: text(512),
  Volumes: maybe(z.record(text(4096), z.strictObject({}))),
  WorkingDir: maybe(text(4096)),
  Entrypoint: maybe(strings(64, 32 * 1024)),
  NetworkDisabled: z.boolean().optional(),
  MacAddress: maybe(z.literal('')),
  OnBuild: maybe(z.array(z.never()).length(0)),
  Labels: maybe(z.record(text(256), text(4096))),
  StopSignal: maybe(text(16)),
  StopTimeout: maybe(z.number().int().min(0).max(600)),
  Shell: maybe(strings(16, 256)),
  HostConfig: maybe(z.record(z.string(), z.unknown())),
  NetworkingConfig: maybe(z.object({ EndpointsConfig: z.union([nothing, z.record(text(128), z.unknown())]) })),
});

/** What a create asks for, once the policy accepts it. */
export interface CreateRequest {
  spec: Omit<ContainerSpec, 'image'>;
  /** The image as the learner named it. */
  image: string;
  /** Volumes named by -v NAME:/path or --mount type=volume that may need creating. */
  volumeNames: string[];
  labels: Record<string, string>;
  exposedPorts: string[];
  hostname?: string;
  autoRemove: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  restartPolicy: { Name: string; MaximumRetryCount?: number };
  openStdin: boolean;
  stdinOnce: boolean;
  attach: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** A network the learner made, by its learner name; undefined for the session's own. */
  network?: string;
  /** Other names the container answers to on that network (Compose gives each its service's). */
  aliases: string[];
}

const ALIAS = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
const SESSION_NETWORK_NAMES = new Set(['', 'default', 'bridge']);

/**
 * NetworkMode and the endpoint settings: the session's own network, or one the learner made
 * (host, none and container:… are refused). Of an endpoint's settings only aliases may be chosen;
 * addresses, links and driver options must be empty.
 */
function readNetwork(mode: string | undefined, endpoints: Record<string, unknown> | undefined): { network?: string; aliases: string[] } {
  const modeName = mode ?? '';
  if (modeName === 'host' || modeName === 'none' || modeName.startsWith('container:') || modeName.includes(':')) throw new BoundaryError(403, REFUSALS.network);
  const names = Object.keys(endpoints ?? {});
  if (names.length > 1) throw new BoundaryError(403, 'a container joins one network when it is created here; connect it to more with docker network connect');
  const name = names[0] ?? modeName;
  if (names[0] !== undefined && !SESSION_NETWORK_NAMES.has(modeName) && modeName !== names[0]) throw new BoundaryError(403, REFUSALS.network);
  const aliases: string[] = [];
  for (const [key, value] of Object.entries((endpoints?.[name] ?? {}) as Record<string, unknown>)) {
    if (key === 'Aliases') {
      if (value === null) continue;
      if (!Array.isArray(value) || value.length > 8 || !value.every((alias) => typeof alias === 'string' && ALIAS.test(alias))) {
        throw new BoundaryError(400, 'network aliases are names of letters, digits, dots, dashes and underscores, at most 8 of them');
      }
      aliases.push(...(value as string[]));
    } else if (!emptyish.safeParse(value).success) {
      throw new BoundaryError(403, "a container's address and links on a network are the sandbox's to set here; give it aliases instead");
    }
  }
  return { network: SESSION_NETWORK_NAMES.has(name) ? undefined : name, aliases };
}

const LABEL_RESERVED = 'org.layerlab.';
const PORT_KEY = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/;

export function readCreateRequest(name: string, body: unknown, policy: SandboxPolicy): CreateRequest {
  const parsed = createBody.safeParse(body ?? {});
  if (!parsed.success) throw fieldError(parsed.error.issues[0]!);
  const config = parsed.data;
  const host = config.HostConfig ?? {};
  for (const key of Object.keys(host)) {
    if (!KNOWN_HOST_FIELDS.has(key)) throw new BoundaryError(400, `the field HostConfig.${key} is not accepted here`);
  }
  for (const [key, refusal] of Object.entries(FIXED_HOST_FIELDS)) {
    if (!emptyish.safeParse(host[key]).success && !(key === 'CapDrop' && isCapDropOnly(host[key]))) {
      throw new BoundaryError(403, refusalText(refusal, policy));
    }
  }
  const chosen = chosenHostFields.safeParse(host);
  if (!chosen.success) throw fieldError(chosen.error.issues[0]!, 'HostConfig.');
  const hostConfig = chosen.data;

  const { network, aliases } = readNetwork(hostConfig.NetworkMode ?? undefined, config.NetworkingConfig?.EndpointsConfig ?? undefined);
  const logType = hostConfig.LogConfig?.Type ?? '';
  if ((logType !== '' && logType !== 'json-file') || Object.keys(hostConfig.LogConfig?.Config ?? {}).length > 0) {
    throw new BoundaryError(403, REFUSALS.logDriver);
  }
  const restart = hostConfig.RestartPolicy?.Name ?? '';
  if (restart !== '' && restart !== 'no') throw new BoundaryError(403, REFUSALS.restart);
  if (config.Healthcheck && (config.Healthcheck.Test ?? []).length > 0 && config.Healthcheck.Test?.[0] !== 'NONE') {
    throw new BoundaryError(403, 'health checks are not available here yet; check by hand with docker exec');
  }

  const labels = config.Labels ?? {};
  if (Object.keys(labels).some((key) => key.startsWith(LABEL_RESERVED))) throw new BoundaryError(403, REFUSALS.labels);
  if (config.WorkingDir && underProc(config.WorkingDir)) throw new BoundaryError(403, PROC_REFUSAL);

  const volumes: VolumeMount[] = [];
  for (const bind of hostConfig.Binds ?? []) volumes.push(parseBind(bind));
  for (const mount of hostConfig.Mounts ?? []) {
    const subpath = mount.Type === 'bind' ? workspaceSubpath(mount.Source ?? '') : undefined;
    if (subpath !== undefined) {
      volumes.push({ name: '', workspace: true, subpath, target: checkedTarget(mount.Target), readOnly: mount.ReadOnly ?? false });
      continue;
    }
    if (mount.Type !== 'volume') throw new BoundaryError(403, mount.Type === 'bind' ? REFUSALS.hostPath : REFUSALS.mount);
    if (!mount.Source || !OBJECT_NAME.test(mount.Source)) throw new BoundaryError(403, REFUSALS.mount);
    volumes.push({ name: mount.Source, target: checkedTarget(mount.Target), readOnly: mount.ReadOnly ?? false });
  }
  for (const path of Object.keys(config.Volumes ?? {})) {
    if (!volumes.some((volume) => volume.target === path)) throw new BoundaryError(403, 'anonymous volumes are not available here; name it: -v data:' + path);
  }

  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(hostConfig.PortBindings ?? {})) {
    const match = PORT_KEY.exec(key);
    if (!match || match[2] === 'sctp') throw new BoundaryError(400, `invalid port specification: "${key}"`);
    for (const binding of bindings ?? []) {
      const hostIp = binding.HostIp ?? '';
      if (!['', '0.0.0.0', '127.0.0.1', '::'].includes(hostIp)) {
        throw new BoundaryError(403, `published ports listen on localhost here; write -p ${binding.HostPort || match[1]}:${match[1]}`);
      }
      const hostPort = Number(binding.HostPort || 0);
      if (!/^\d{0,5}$/.test(binding.HostPort ?? '') || hostPort === 0 || hostPort > 65535) {
        throw new BoundaryError(403, `give each published port its host port here, like -p 8080:${match[1]}`);
      }
      ports.push({ hostPort, containerPort: Number(match[1]), protocol: (match[2] ?? 'tcp') as 'tcp' | 'udp' });
    }
  }
  const exposedPorts = Object.keys(config.ExposedPorts ?? {});
  for (const key of exposedPorts) {
    const match = PORT_KEY.exec(key);
    if (!match || match[2] === 'sctp') throw new BoundaryError(400, `invalid port specification: "${key}"`);
  }

  return {
    image: config.Image,
    spec: {
      name,
      command: config.Cmd ?? undefined,
      entrypoint: config.Entrypoint ?? undefined,
      env: config.Env ?? [],
      workdir: config.WorkingDir || undefined,
      user: config.User || undefined,
      tty: config.Tty ?? false,
      interactive: config.OpenStdin ?? false,
      ports,
      volumes,
    },
    volumeNames: [...new Set(volumes.filter((volume) => !volume.workspace).map((volume) => volume.name))],
    labels,
    exposedPorts,
    hostname: config.Hostname || undefined,
    autoRemove: hostConfig.AutoRemove ?? false,
    stopSignal: config.StopSignal || undefined,
    stopTimeout: config.StopTimeout ?? undefined,
    restartPolicy: { Name: 'no' },
    openStdin: config.OpenStdin ?? false,
    stdinOnce: config.StdinOnce ?? false,
    attach: { stdin: config.AttachStdin ?? false, stdout: config.AttachStdout ?? false, stderr: config.AttachStderr ?? false },
    network,
    aliases,
  };
}

/** `docker run --cap-drop ALL` asks for what the sandbox does anyway. */
function isCapDropOnly(value: unknown): boolean {
  return Array.isArray(value) && value.every((capability) => typeof capability === 'string' && capability.toUpperCase() === 'ALL');
}

/**
 * `NAME:/path[:ro|rw]`, or the workspace itself (`-v "$PWD":/app` in ~/workspace): the volume the
 * workbench keeps it in, so the container sees the editor's files live. Any other host path
 * (anything with a slash before the colon) is refused.
 */
function parseBind(bind: string): VolumeMount {
  const parts = bind.split(':');
  const [source = '', target, mode, ...extra] = parts;
  const subpath = workspaceSubpath(source);
  if (subpath !== undefined) {
    if (target === undefined || extra.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
      throw new BoundaryError(400, `invalid volume specification: '${bind}'`);
    }
    return { name: '', workspace: true, subpath, target: checkedTarget(target), readOnly: mode === 'ro' };
  }
  if (source.startsWith('/') || source.startsWith('.') || source.startsWith('~') || source.includes('/')) {
    throw new BoundaryError(403, REFUSALS.hostPath);
  }
  if (!OBJECT_NAME.test(source)) {
    throw new BoundaryError(400, `create ${source}: "${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
  if (target === undefined || extra.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw new BoundaryError(400, `invalid volume specification: '${bind}'`);
  }
  return { name: source, target: checkedTarget(target), readOnly: mode === 'ro' };
}

/**
 * Where in the workbench's ~/workspace a bind source is ('' for the workspace itself, `site` for
 * ~/workspace/site), however the CLI or Compose spelled it; undefined for any other path. A
 * subfolder's name follows the workspace's rules, so it is a plain relative path.
 */
function workspaceSubpath(source: string): string | undefined {
  if (!source.startsWith('/')) return undefined;
  let normalized = path.posix.normalize(source);
  while (normalized.length > 1 && normalized.endsWith('/')) normalized = normalized.slice(0, -1);
  if (normalized === WORKBENCH_WORKSPACE) return '';
  if (!normalized.startsWith(`${WORKBENCH_WORKSPACE}/`)) return undefined;
  const subpath = normalized.slice(WORKBENCH_WORKSPACE.length + 1);
  try {
    checkWorkspacePath(subpath);
  } catch (error) {
    throw new BoundaryError(400, (error as Error).message);
  }
  return subpath;
}

function checkedTarget(target: string): string {
  if (!target.startsWith('/')) throw new BoundaryError(400, `invalid mount config: the mount path "${target}" must be absolute`);
  if (underProc(target)) throw new BoundaryError(403, PROC_REFUSAL);
  return target;
}

/** A body field zod refused, in one sentence that names it. */
export function fieldError(issue: z.core.$ZodIssue, prefix = ''): BoundaryError {
  if (issue.code === 'unrecognized_keys') return new BoundaryError(400, `the field ${prefix}${issue.keys[0]} is not accepted here`);
  return new BoundaryError(400, `the field ${prefix}${issue.path.join('.')} ${issue.message.toLowerCase()}`);
}
