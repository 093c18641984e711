import type { SandboxPolicy } from '../config/policy.ts';
import { formatBytesShort } from '../config/units.ts';

/**
 * The sentences the sandbox refuses with, one per thing it refuses, each saying what to do
 * instead. The terminal's docker flags and the Engine API boundary's fields share them, and
 * those that state a limit are built from the live policy.
 */

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

export type Refusal = string | ((policy: SandboxPolicy) => string);

export const REFUSALS = {
  privileged: "privileged mode isn't available here; containers run with a small fixed set of capabilities",
  privilegedExec: "privileged mode isn't available here; exec runs with the container's capabilities",
  capAdd: "extra capabilities can't be added here; containers keep a small fixed set",
  capDrop: 'capabilities are already dropped to a small fixed set here',
  network: "containers join your session's private network, which can't be changed here",
  hostNamespaces: "host namespaces aren't available here",
  devices: "devices can't be passed into containers here",
  securityOptions: 'security options are fixed here',
  mount: "use -v NAME:/path for a named volume; host paths can't be mounted here",
  hostPath: 'host paths can\'t be mounted here; mount your workspace with -v "$PWD":/app, or use a named volume: -v data:/data',
  volumesFrom: 'share data through a named volume instead: -v data:/data on both containers',
  memory: (policy: SandboxPolicy) => `limits are set by the sandbox: each container gets ${containerLimits(policy)}`,
  memorySwap: 'limits are set by the sandbox: swap equals memory',
  cpus: (policy: SandboxPolicy) => `limits are set by the sandbox: each container gets ${containerLimits(policy)}`,
  pids: (policy: SandboxPolicy) => `limits are set by the sandbox: each container may run ${policy.container.pids} processes`,
  ulimits: 'limits are set by the sandbox',
  sysctls: 'kernel settings are fixed here',
  runtime: 'the container runtime is fixed here',
  cgroupParent: 'the cgroup is fixed here',
  oomKillDisable: 'the memory limit always applies here',
  restart: "restart policies aren't available here; start the container again with docker start",
  publishAll: 'publish each port by hand here, like -p 8080:80',
  addHost: "the session network's names are fixed here",
  dns: "containers have no internet here, so there's no DNS to set",
  labels: 'labels are reserved for the sandbox here',
  envFile: 'pass variables one by one with -e KEY=value',
  logDriver: 'logs always go to docker logs here',
  maskedPaths: "the paths the engine hides from containers (under /proc and /sys) stay hidden here",
} as const satisfies Record<string, Refusal>;

export function refusalText(refusal: Refusal, policy: SandboxPolicy): string {
  return typeof refusal === 'function' ? refusal(policy) : refusal;
}
