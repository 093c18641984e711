import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxPolicy } from '../config/policy.ts';
import { LABEL, type Namespace } from '../scope/namespace.ts';

/** A port the learner published with -p. It is never bound on the host: the sandbox proxies to it. */
export interface PublishedPort {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface VolumeMount {
  /** The learner's volume name (empty for the workspace). */
  name: string;
  /** The workbench's workspace (`-v "$PWD":/app`), not a named volume. */
  workspace?: boolean;
  /** A folder or file inside the workspace (`-v "$PWD/site":/usr/share/nginx/html`); '' for all of it. */
  subpath?: string;
  target: string;
  readOnly: boolean;
}

/** Everything a learner may choose about a container. The rest comes from the policy. */
export interface ContainerSpec {
  image: string;
  name: string;
  command?: string[];
  entrypoint?: string[];
  env: string[];
  workdir?: string;
  user?: string;
  tty: boolean;
  interactive: boolean;
  ports: PublishedPort[];
  volumes: VolumeMount[];
}

export function encodePorts(ports: PublishedPort[]): string {
  return ports.map((port) => `${port.hostPort}:${port.containerPort}/${port.protocol}`).join(',');
}

export function decodePorts(label: string | undefined): PublishedPort[] {
  if (!label) return [];
  return label.split(',').flatMap((entry) => {
    const match = /^(\d+):(\d+)\/(tcp|udp)$/.exec(entry);
    return match
      ? [{ hostPort: Number(match[1]), containerPort: Number(match[2]), protocol: match[3] as 'tcp' | 'udp' }]
      : [];
  });
}

/**
 * A session's network has no way out, and the engine's own DNS (20.10) leaves a question about a
 * name it doesn't know unanswered instead of refusing it: a misspelt host would hold `curl` for
 * 10 s and `getent` for 20 (glibc's 5 s timeout, tried twice, for each address family). One try
 * of one second says "Could not resolve host" about as soon as a learner looks.
 */
export const DNS_OPTIONS = ['timeout:1', 'attempts:1'];

/**
 * What holds every container the sandbox starts for a session, the learner's and the workbench
 * alike: the limits, every capability dropped but the minimal set, no new privileges, an init, and
 * DNS that gives up quickly.
 */
export function confinement(policy: SandboxPolicy) {
  const limits = policy.container;
  return {
    Memory: limits.memoryBytes,
    MemorySwap: limits.memoryBytes,
    NanoCpus: limits.nanoCpus,
    PidsLimit: limits.pids,
    CapDrop: ['ALL'],
    CapAdd: limits.capabilities,
    SecurityOpt: ['no-new-privileges'],
    Privileged: false,
    Init: true,
    DnsOptions: DNS_OPTIONS,
  };
}

/**
 * The create options for a learner's container. HostConfig is a fixed template filled from the
 * policy; no field of it comes from learner input except volume names and targets, which the
 * parser has already validated.
 */
export function containerCreateOptions(
  spec: ContainerSpec,
  namespace: Namespace,
  policy: SandboxPolicy,
  /** The workspace volume's folder on the host, for binds of part of the workspace. */
  workspaceDir?: string,
): ContainerCreateOptions {
  const limits = policy.container;
  const exposedPorts: Record<string, object> = {};
  for (const port of spec.ports) exposedPorts[`${port.containerPort}/${port.protocol}`] = {};
  return {
    name: namespace.containerName(spec.name),
    Image: spec.image,
    Cmd: spec.command,
    Entrypoint: spec.entrypoint,
    Env: spec.env,
    WorkingDir: spec.workdir,
    User: spec.user,
    Tty: spec.tty,
    OpenStdin: spec.interactive,
    StdinOnce: spec.interactive,
    AttachStdin: spec.interactive,
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: exposedPorts,
    Labels: {
      ...namespace.labels,
      [LABEL.name]: spec.name,
      [LABEL.ports]: encodePorts(spec.ports),
    },
    HostConfig: {
      ...confinement(policy),
      ReadonlyRootfs: false,
      NetworkMode: namespace.networkName,
      PortBindings: {},
      PublishAllPorts: false,
      // A part of the workspace is a bind of its folder in the workspace volume (see scope/workspace-binds.ts).
      Binds: spec.volumes
        .filter((volume) => volume.workspace && volume.subpath)
        .map((volume) => {
          if (!workspaceDir) throw new Error('a bind of part of the workspace needs the workspace volume\'s folder');
          return `${workspaceDir}/${volume.subpath}:${volume.target}:${volume.readOnly ? 'ro' : 'rw'}`;
        }),
      Mounts: spec.volumes.filter((volume) => !(volume.workspace && volume.subpath)).map((volume) => ({
        Type: 'volume' as const,
        // The workspace lives in a volume named like the workbench (see workbench/container.ts).
        Source: volume.workspace ? namespace.workbenchName : namespace.volumeName(volume.name),
        Target: volume.target,
        ReadOnly: volume.readOnly,
      })),
      Devices: [],
      Ulimits: [
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
        { Name: 'fsize', Soft: 256 * 1024 ** 2, Hard: 256 * 1024 ** 2 },
      ],
      OomKillDisable: false,
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': String(limits.logMaxBytes), 'max-file': '1' } },
    },
  };
}
