import type Docker from 'dockerode';
import { createBuildCgroup } from '../sandbox-server/build/cgroup.ts';
import { splitMultiplexed } from '../sandbox-server/engine/multiplexed.ts';
import { policyFromEnv } from '../sandbox-server/config/policy.ts';
import { confinement } from '../sandbox-server/policy/container-template.ts';
import type { RunningServer } from '../sandbox-server/server.ts';
import { WORKBENCH_REFERENCE, WORKBENCH_SOCKET } from '../sandbox-server/workbench/image.ts';
import type { Learner } from '../tests/support/sandbox.ts';
import { openWorkbench } from '../tests/support/workbench.ts';
import { DOCKERFILE, sandboxBuildFlags, sandboxRunFlags } from './overhead.ts';
import type { Section } from './report.ts';
import { median, ms } from './stats.ts';

/**
 * The same Docker CLI (the workbench's) through a session's Engine API boundary against the same
 * CLI straight on the engine, in a second container of the workbench image with the engine's own
 * socket. The plain side gets the sandbox's limits as flags, so the ratio is the boundary's cost.
 * Each command is timed inside its container, so `docker exec` itself is not counted.
 */
export async function measureBoundary(server: RunningServer, engine: Docker, learner: Learner, rounds: number): Promise<Section> {
  const policy = policyFromEnv();
  const workbench = await openWorkbench(server, learner);
  const cgroup = createBuildCgroup('bench-direct', { pids: policy.build.pids, memoryBytes: policy.build.memoryBytes });
  let network: Docker.Network | undefined;
  let direct: Docker.Container | undefined;
  const cleanUp = async () => {
    await direct?.remove({ force: true }).catch(() => undefined);
    await network?.remove().catch(() => undefined);
    cgroup.remove();
    await engine.getImage('layerlab-bench-direct').remove({ force: true }).catch(() => undefined);
  };
  try {
    network = await engine.createNetwork({ Name: `bench-direct-${process.pid}`, Internal: true });
    direct = await engine.createContainer({
      Image: WORKBENCH_REFERENCE,
      User: 'root',
      Cmd: ['sleep', 'infinity'],
      Labels: { 'org.layerlab.bench': String(process.pid) },
      // The workbench's own limits, so both CLIs run on the same share of the machine and the
      // difference is the boundary's.
      HostConfig: { ...confinement(policy), NetworkMode: 'none', Binds: [`/var/run/docker.sock:${WORKBENCH_SOCKET}`] },
    });
    await direct.start();
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const plain = direct;
  const networkId = network.id;
  const inDirect = async (script: string) => {
    const exec = await plain.exec({ Cmd: ['bash', '-c', script], AttachStdout: true, AttachStderr: true, WorkingDir: '/home/learner/workspace' });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => stream.on('end', resolve));
    return splitMultiplexed(Buffer.concat(chunks)).map((piece) => piece.text).join('');
  };
  const timedIn = async (run: (script: string) => Promise<string>, command: string): Promise<number> => {
    const output = await run(`cd b && s=$(date +%s%N); ${command} >/tmp/out 2>&1 || { cat /tmp/out; exit 1; }; e=$(date +%s%N); echo "took $(( (e - s) / 1000 ))"`);
    const micros = /took (\d+)/.exec(output)?.[1];
    if (!micros) throw new Error(`${command}: ${output}`);
    return Number(micros) / 1000;
  };
  const throughBoundary = (script: string) => workbench.run(script).then((result) => result.output);

  const commands = {
    build: { boundary: 'docker build -q --no-cache -t bench-b .', direct: `docker build -q --no-cache -t layerlab-bench-direct ${sandboxBuildFlags(policy, cgroup.parent).join(' ')} .` },
    'run --rm': { boundary: 'docker run --rm busybox true', direct: `docker run --rm ${sandboxRunFlags(policy, networkId).join(' ')} busybox true` },
    ps: { boundary: 'docker ps -a', direct: 'docker ps -a' },
    images: { boundary: 'docker images', direct: 'docker images' },
  };
  const samples = new Map(Object.keys(commands).map((kind) => [kind, { boundary: [] as number[], direct: [] as number[] }]));
  try {
    await workbench.write('b/Dockerfile', DOCKERFILE);
    await inDirect(`mkdir -p b && printf '%s' '${DOCKERFILE.replace(/'/g, "'\\''")}' > b/Dockerfile`);
    for (const [kind, command] of Object.entries(commands)) {
      await timedIn(throughBoundary, command.boundary);
      await timedIn(inDirect, command.direct);
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['boundary', 'direct'] as const) : (['direct', 'boundary'] as const);
        for (const side of order) samples.get(kind)![side].push(await timedIn(side === 'boundary' ? throughBoundary : inDirect, command[side]));
      }
    }
  } finally {
    await cleanUp();
  }

  const rows = [...samples].flatMap(([kind, { boundary, direct: plain }]) => {
    const ratio = median(boundary) / median(plain);
    return [
      { measure: `\`docker ${kind}\` straight on the engine, median`, value: ms(median(plain)) },
      { measure: `\`docker ${kind}\` through the boundary, median`, value: ms(median(boundary)) },
      { measure: `\`docker ${kind}\` ratio boundary / engine`, value: `${ratio.toFixed(2)}x`, budget: '≤ 1.05x', withinBudget: ratio <= 1.05 },
    ];
  });
  return {
    title: 'The Engine API boundary against the engine',
    method:
      "The workbench's Docker CLI 20.10 through a session's boundary socket against the same CLI in a container of the same image given the engine's own socket, timed inside each container (so `docker exec` is not counted), alternating sides each round. Both containers have the workbench's limits (CPU, memory, pids, capabilities), so the CLIs run on the same share of the machine. The plain side passes the sandbox's build and container limits as flags. `build` is `--no-cache` of the build-overhead Dockerfile; `ps -a` and `images` list what each side sees.",
    rows,
  };
}
