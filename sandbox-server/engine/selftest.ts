import type Docker from 'dockerode';
import type { SandboxPolicy } from '../config/policy.ts';
import { containerCreateOptions } from '../policy/container-template.ts';
import { Namespace } from '../scope/namespace.ts';
import { splitMultiplexed } from './multiplexed.ts';
import { startProbe } from './runc-start-race.ts';

export class EngineLimitsError extends Error {}

/**
 * Whether the engine gives every container, build steps included, no-new-privileges (dockerd
 * --no-new-privileges, which `docker info` does not report): a container asked for nothing says.
 * An engine this server did not start may not, and the operator is told how to turn it on.
 */
export async function engineDefaultsToNoNewPrivileges(docker: Docker, probeImage: string): Promise<boolean> {
  const container = await docker.createContainer({
    name: `layerlab-nnp-probe-${process.pid}-${Date.now()}`,
    Image: probeImage,
    Cmd: ['grep', 'NoNewPrivs', '/proc/self/status'],
    HostConfig: { NetworkMode: 'none', Memory: 16 * 1024 ** 2, MemorySwap: 16 * 1024 ** 2, PidsLimit: 4 },
  });
  try {
    await startProbe(container);
    await container.wait();
    const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    return /NoNewPrivs:\s*1/.test(splitMultiplexed(logs).map((piece) => piece.text).join(''));
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * The engine drops limits it cannot enforce with only a warning, and dockerode drops the warning.
 * So before serving anyone, the server asks the engine what it enforces, then starts a probe
 * container with the sandbox's limits and reads them back from the kernel inside it.
 */
export async function checkEngineEnforcesLimits(docker: Docker, policy: SandboxPolicy, probeImage: string): Promise<void> {
  const info = (await docker.info()) as { MemoryLimit?: boolean; SwapLimit?: boolean; PidsLimit?: boolean; CgroupVersion?: string };
  const missing = [
    info.MemoryLimit ? undefined : 'memory',
    info.SwapLimit ? undefined : 'swap',
    info.PidsLimit ? undefined : 'pids',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new EngineLimitsError(
      `The Docker Engine does not enforce ${missing.join(', ')} limits, so learners' containers could not be held to them; enable the memory, swap and pids cgroups (for swap on Debian, boot with cgroup_enable=memory swapaccount=1).`,
    );
  }

  const v2 = info.CgroupVersion === '2';
  const files = v2
    ? ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.swap.max', '/sys/fs/cgroup/pids.max']
    : ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max'];
  const probe = new Namespace('0000000000000000', 'selftest', Date.now() + 60_000);
  const options = containerCreateOptions(
    { image: probeImage, name: `selftest-${process.pid}-${Date.now()}`, command: ['cat', ...files], env: [], tty: false, interactive: false, ports: [], volumes: [] },
    probe,
    policy,
  );
  options.HostConfig!.NetworkMode = 'none';
  const container = await docker.createContainer(options);
  try {
    await startProbe(container);
    await container.wait();
    const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    const values = splitMultiplexed(logs).map((piece) => piece.text).join('').trim().split(/\s+/);
    const memory = policy.container.memoryBytes;
    const expected = v2 ? [String(memory), '0', String(policy.container.pids)] : [String(memory), String(memory), String(policy.container.pids)];
    const names = ['memory', 'memory plus swap', 'pids'];
    for (const [index, want] of expected.entries()) {
      if (values[index] !== want) {
        throw new EngineLimitsError(
          `The Docker Engine accepted a ${names[index]} limit of ${want} but the container sees ${values[index] ?? 'nothing'}; refusing to serve learners without it.`,
        );
      }
    }
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
