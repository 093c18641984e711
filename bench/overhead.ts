import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { createBuildCgroup } from '../sandbox-server/build/cgroup.ts';
import { policyFromEnv, type SandboxPolicy } from '../sandbox-server/config/policy.ts';
import type { Learner } from '../tests/support/sandbox.ts';
import type { Section } from './report.ts';
import { median, ms, timed } from './stats.ts';

export const DOCKERFILE = 'FROM busybox\nRUN echo built > /built.txt\nCMD ["cat", "/built.txt"]\n';

function docker(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${args.join(' ')}: ${stderr}`))));
  });
}

/**
 * The sandbox against the docker CLI on the same work: the same Dockerfile, and the CLI given the
 * same limits, network and security options the sandbox applies, so the ratio is the sandbox's
 * own overhead (namespacing, policy, the WebSocket), not the cost of the limits.
 */
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', `fsize=${256 * 1024 ** 2}`];

/** `docker build` flags that give a plain build the limits, network and cgroup parent the sandbox gives its builds. */
export function sandboxBuildFlags(policy: SandboxPolicy, cgroupParent: string): string[] {
  const cache = policy.build.packageCache;
  return [
    // The package cache's network and names, as the sandbox's builds get them.
    ...(cache ? ['--network', cache.network, ...cache.hosts.flatMap((host) => ['--add-host', `${host}:${cache.gateway}`])] : ['--network', 'none']),
    '--memory', String(policy.build.memoryBytes), '--memory-swap', String(policy.build.memoryBytes),
    '--cpu-period', '100000', '--cpu-quota', String(policy.build.cpuQuota), '--cgroup-parent', cgroupParent,
    ...ULIMITS,
  ];
}

/** `docker run` flags that give a plain container the sandbox's limits, capabilities and options. */
export function sandboxRunFlags(policy: SandboxPolicy, network: string): string[] {
  return [
    '--network', network, '--memory', String(policy.container.memoryBytes),
    '--memory-swap', String(policy.container.memoryBytes), '--cpus', String(policy.container.nanoCpus / 1e9),
    '--pids-limit', String(policy.container.pids), '--cap-drop', 'ALL',
    ...policy.container.capabilities.flatMap((cap) => ['--cap-add', cap]),
    '--security-opt', 'no-new-privileges', '--init', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=1',
    ...ULIMITS,
  ];
}

export async function measureBuildAndRun(engine: Docker, learner: Learner, rounds: number): Promise<Section[]> {
  const policy = policyFromEnv();
  const context = mkdtempSync(path.join(os.tmpdir(), 'layerlab-bench-'));
  writeFileSync(path.join(context, 'Dockerfile'), DOCKERFILE);
  await learner.setFiles({ Dockerfile: DOCKERFILE });
  const cgroup = createBuildCgroup('bench-cli', { pids: policy.build.pids, memoryBytes: policy.build.memoryBytes });
  const network = await engine.createNetwork({ Name: `bench-cli-${process.pid}`, Internal: true });
  const cliBuild = () => docker(['build', '--no-cache', '-t', 'layerlab-bench-cli', ...sandboxBuildFlags(policy, cgroup.parent), context]);
  const cliRun = () => docker(['run', '--rm', ...sandboxRunFlags(policy, network.id), 'busybox', 'true']);
  const sandbox = (command: string) => async () => {
    const result = await learner.run(command);
    if (result.exitCode !== 0) throw new Error(`${command}: ${result.output}`);
  };

  const measures = {
    build: { cli: cliBuild, sandbox: sandbox('docker build --no-cache -t bench .') },
    run: { cli: cliRun, sandbox: sandbox('docker run --rm busybox true') },
  };
  const samples = { build: { cli: [] as number[], sandbox: [] as number[] }, run: { cli: [] as number[], sandbox: [] as number[] } };
  // Each --no-cache CLI build leaves the one before it untagged; those go at the end.
  const danglingBefore = new Set((await engine.listImages({ filters: { dangling: ['true'] } })).map((image) => image.Id));
  try {
    for (const kind of ['build', 'run'] as const) {
      await measures[kind].cli();
      await measures[kind].sandbox();
      for (let round = 0; round < rounds; round++) {
        // Alternate who goes first, so a slow spell of the machine is shared.
        const order = round % 2 === 0 ? (['cli', 'sandbox'] as const) : (['sandbox', 'cli'] as const);
        for (const side of order) samples[kind][side].push(await timed(measures[kind][side]));
      }
    }
  } finally {
    cgroup.remove();
    await network.remove().catch(() => undefined);
    await engine.getImage('layerlab-bench-cli').remove({ force: true }).catch(() => undefined);
    for (const image of await engine.listImages({ filters: { dangling: ['true'] } })) {
      if (!danglingBefore.has(image.Id)) await engine.getImage(image.Id).remove().catch(() => undefined);
    }
    rmSync(context, { recursive: true, force: true });
  }

  const section = (kind: 'build' | 'run', title: string, method: string): Section => {
    const cli = median(samples[kind].cli);
    const ours = median(samples[kind].sandbox);
    const ratio = ours / cli;
    return {
      title,
      method,
      rows: [
        { measure: 'docker CLI, median', value: ms(cli) },
        { measure: 'sandbox through the terminal socket, median', value: ms(ours) },
        { measure: 'ratio sandbox / CLI', value: `${ratio.toFixed(2)}x`, budget: '≤ 1.15x', withinBudget: ratio <= 1.15 },
      ],
    };
  };
  return [
    section(
      'build',
      'Build overhead',
      `\`docker build --no-cache\` of \`${DOCKERFILE.trim().replace(/\n/g, ' / ')}\`: the docker CLI (classic builder, same memory, CPU, network-none, cgroup parent and ulimits) against the same command typed into a sandbox terminal (lines mode over the WebSocket), measured until the command ends.`,
    ),
    section(
      'run',
      '`run --rm` overhead',
      '`docker run --rm busybox true`: the docker CLI with the sandbox\'s container options (limits, dropped capabilities, no-new-privileges, init, an internal network, log cap) against the same command in a sandbox terminal.',
    ),
  ];
}
