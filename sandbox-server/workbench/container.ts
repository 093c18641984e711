import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxPolicy } from '../config/policy.ts';
import { confinement } from '../policy/container-template.ts';
import type { Namespace } from '../scope/namespace.ts';
import { WORKBENCH_HOSTNAME, WORKBENCH_LABEL, WORKBENCH_REFERENCE, WORKBENCH_SOCKET_DIR, WORKBENCH_WORKSPACE } from './image.ts';

/** The volume holding the learner's workspace: the same name as the workbench, which no learner name can take. */
export function workspaceVolumeName(namespace: Namespace): string {
  return namespace.workbenchName;
}

/**
 * A session's workbench: its shell's container. It is held to the same limits as a learner's
 * containers (memory, CPU, pids, every capability dropped but the minimal set, no new
 * privileges), sits on the session's network, and reaches an engine only through the folder
 * holding the session's boundary socket. Its main process is the learner's login shell on a TTY,
 * and its workspace is a volume, so the files outlive the shell.
 */
export function workbenchCreateOptions(namespace: Namespace, policy: SandboxPolicy, socketDir: string): ContainerCreateOptions {
  return {
    name: namespace.workbenchName,
    Image: WORKBENCH_REFERENCE,
    Hostname: WORKBENCH_HOSTNAME,
    Cmd: ['bash', '-l'],
    Tty: true,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Labels: { ...namespace.labels, [WORKBENCH_LABEL]: 'true' },
    HostConfig: {
      ...confinement(policy),
      NetworkMode: namespace.networkName,
      Binds: [`${socketDir}:${WORKBENCH_SOCKET_DIR}`],
      Mounts: [{ Type: 'volume', Source: workspaceVolumeName(namespace), Target: WORKBENCH_WORKSPACE }],
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': String(policy.container.logMaxBytes), 'max-file': '1' } },
    },
  };
}
