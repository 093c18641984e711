import type { SandboxPolicy } from '../../config/policy.ts';
import { formatBytesShort } from '../../config/units.ts';
import type { RefusedFlag } from './flags.ts';

/** "256 MiB of memory and half a CPU": a container's limits as this server sets them. */
export function containerLimits(policy: SandboxPolicy): string {
  return `${formatBytesShort(policy.container.memoryBytes)} of memory and ${cpus(policy.container.nanoCpus / 1e9)}`;
}

export function buildLimits(policy: SandboxPolicy): string {
  return `${formatBytesShort(policy.build.memoryBytes)} of memory and ${cpus(policy.build.cpuQuota / 100_000)}`;
}

function cpus(count: number): string {
  if (count === 0.5) return 'half a CPU';
  if (count === 1) return 'one CPU';
  return `${+count.toFixed(2)} CPUs`;
}

/**
 * docker run flags that exist but would loosen the sandbox. Each answer says what the learner can
 * do instead, in one sentence.
 */
export const REFUSED_RUN_FLAGS: RefusedFlag[] = [
  { long: 'privileged', takesValue: false, reason: "privileged mode isn't available here; containers run with a small fixed set of capabilities" },
  { long: 'cap-add', takesValue: true, reason: "extra capabilities can't be added here; containers keep a small fixed set" },
  { long: 'cap-drop', takesValue: true, reason: 'capabilities are already dropped to a small fixed set here' },
  { long: 'network', takesValue: true, reason: "containers join your session's private network, which can't be changed here" },
  { long: 'net', takesValue: true, reason: "containers join your session's private network, which can't be changed here" },
  { long: 'pid', takesValue: true, reason: "host namespaces aren't available here" },
  { long: 'ipc', takesValue: true, reason: "host namespaces aren't available here" },
  { long: 'uts', takesValue: true, reason: "host namespaces aren't available here" },
  { long: 'userns', takesValue: true, reason: "host namespaces aren't available here" },
  { long: 'device', takesValue: true, reason: "devices can't be passed into containers here" },
  { long: 'security-opt', takesValue: true, reason: 'security options are fixed here' },
  { long: 'mount', takesValue: true, reason: "use -v NAME:/path for a named volume; host paths can't be mounted here" },
  { long: 'volumes-from', takesValue: true, reason: 'share data through a named volume instead: -v data:/data on both containers' },
  { long: 'memory', short: 'm', takesValue: true, reason: (policy) => `limits are set by the sandbox: each container gets ${containerLimits(policy)}` },
  { long: 'memory-swap', takesValue: true, reason: 'limits are set by the sandbox: swap equals memory' },
  { long: 'cpus', takesValue: true, reason: (policy) => `limits are set by the sandbox: each container gets ${containerLimits(policy)}` },
  { long: 'cpu-shares', short: 'c', takesValue: true, reason: (policy) => `limits are set by the sandbox: each container gets ${containerLimits(policy)}` },
  { long: 'pids-limit', takesValue: true, reason: (policy) => `limits are set by the sandbox: each container may run ${policy.container.pids} processes` },
  { long: 'ulimit', takesValue: true, reason: 'limits are set by the sandbox' },
  { long: 'sysctl', takesValue: true, reason: 'kernel settings are fixed here' },
  { long: 'runtime', takesValue: true, reason: 'the container runtime is fixed here' },
  { long: 'cgroup-parent', takesValue: true, reason: 'the cgroup is fixed here' },
  { long: 'oom-kill-disable', takesValue: false, reason: 'the memory limit always applies here' },
  { long: 'restart', takesValue: true, reason: "restart policies aren't available here; start the container again with docker start" },
  { long: 'publish-all', short: 'P', takesValue: false, reason: 'publish each port by hand here, like -p 8080:80' },
  { long: 'add-host', takesValue: true, reason: "the session network's names are fixed here" },
  { long: 'dns', takesValue: true, reason: "containers have no internet here, so there's no DNS to set" },
  { long: 'label', short: 'l', takesValue: true, reason: 'labels are reserved for the sandbox here' },
  { long: 'env-file', takesValue: true, reason: 'pass variables one by one with -e KEY=value' },
  { long: 'log-driver', takesValue: true, reason: 'logs always go to docker logs here' },
];

export const REFUSED_EXEC_FLAGS: RefusedFlag[] = [
  { long: 'privileged', takesValue: false, reason: "privileged mode isn't available here; exec runs with the container's capabilities" },
];

export const HOST_PATH_REFUSAL = "host paths can't be mounted here; use a named volume: -v data:/data";
