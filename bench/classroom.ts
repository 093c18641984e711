import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { serverConfigFromEnv } from '../sandbox-server/config/server.ts';
import { createLogger } from '../sandbox-server/log.ts';
import { LABEL } from '../sandbox-server/scope/namespace.ts';
import { startServer, type RunningServer } from '../sandbox-server/server.ts';
import { Learner, type TtyTerminal } from '../tests/support/sandbox.ts';
import type { Row, Section } from './report.ts';
import { ms, percentile } from './stats.ts';

/**
 * A class on one host: N learners arrive within a few seconds, each opens a session on lesson 1,
 * types `docker images` at the prompt, builds the lesson's solution (its own greeting, so no two
 * builds share a cache hit), runs it, runs the lesson's checks and reloads the page once. Each size
 * gets a server of its own with a short idle TTL, so the objects left once its sessions have
 * expired and the reaper has run can be counted by the instance's labels.
 */

const LESSON_ID = '01-your-first-image';
/** Arrivals spread over this long, as a class does after "open lesson 1 and press Build". */
const ARRIVAL_SPREAD_MS = 3000;
/** Idle TTL of the classroom's server: longer than any one command here, short enough to wait out. */
const IDLE_TTL_S = Number(process.env.BENCH_IDLE_TTL ?? 90);
const REAPER_INTERVAL_S = 5;
const MiB = 1024 ** 2;

const dockerfile = (greeting: string) => `# Every image starts from another one.\nFROM busybox\n\n# The command a container from this image runs when it starts.\nCMD ["echo", "${greeting}"]\n`;

interface LearnerTimes {
  ready?: number;
  typed?: number;
  build?: number;
  run?: number;
  check?: number;
  reload?: number;
  failure?: string;
}

async function waitForEnd(terminal: TtyTerminal, command: string): Promise<number> {
  const exitCode = await terminal.waitForCommandEnd(command, 10 * 60_000);
  if (exitCode !== 0) throw new Error(`"${command}" exited ${exitCode}: ${JSON.stringify(terminal.screen.slice(-300))}`);
  return exitCode;
}

async function timedStep(times: LearnerTimes, step: keyof Omit<LearnerTimes, 'failure'>, action: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  try {
    await action();
  } catch (error) {
    throw new Error(`${step}: ${(error as Error).message.split('\n')[0]!.slice(0, 300)}`);
  }
  times[step] = performance.now() - start;
}

/** One learner's lesson, as the browser drives it: the TTY terminal, the checks button, a reload. */
async function oneLearner(url: string, index: number, times: LearnerTimes, opened: (sessionId: string) => void): Promise<void> {
  const greeting = `Hello from learner ${index + 1}!`;
  const files = { Dockerfile: dockerfile(greeting) };
  let learner: Learner | undefined;
  let terminal: TtyTerminal | undefined;
  await timedStep(times, 'ready', async () => {
    learner = await Learner.open(url, files, LESSON_ID);
    opened(learner.sessionId);
    terminal = await learner.tty();
    const closed = new Promise<never>((_, reject) =>
      terminal!.socket.once('close', (code, reason) => reject(new Error(`the terminal socket closed (${code} ${reason.toString()}) before the prompt`))),
    );
    await Promise.race([terminal.waitFor('$ ', { timeoutMs: 10 * 60_000 }), closed]).catch((error: unknown) => {
      terminal!.close();
      throw error;
    });
  });
  const term = terminal!;
  const who = learner!;
  try {
    // Typed a key at a time, as a learner types, so each keystroke crosses the socket and the TTY.
    await timedStep(times, 'typed', async () => {
      for (const key of 'docker images') {
        term.type(key);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      term.type('\r');
      await waitForEnd(term, 'docker images');
    });
    await timedStep(times, 'build', async () => {
      term.type('docker build -t hello .\r');
      await waitForEnd(term, 'docker build -t hello .');
    });
    await timedStep(times, 'run', async () => {
      const from = term.screen.length;
      term.type('docker run --rm hello\r');
      await waitForEnd(term, 'docker run --rm hello');
      if (!term.screen.slice(from).includes(greeting)) throw new Error(`the container did not print "${greeting}"`);
    });
    await timedStep(times, 'check', async () => {
      const response = await fetch(`${url}/api/checks`, { method: 'POST', headers: { origin: url, cookie: who.cookie } });
      if (!response.ok) throw new Error(`POST /api/checks answered ${response.status}`);
      const { results } = (await response.json()) as { results: { id: string; passed: boolean; reason?: string }[] };
      const failed = results.filter((result) => !result.passed);
      if (results.length === 0 || failed.length > 0) throw new Error(`checks not passed: ${failed.map((result) => `${result.id} (${result.reason})`).join(', ') || 'none ran'}`);
    });
  } finally {
    term.close();
  }
  // A reload: the page opens the session again with the browser's copy of the files, then a new terminal socket.
  await timedStep(times, 'reload', async () => {
    const response = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { origin: url, cookie: who.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ lessonId: LESSON_ID, files }),
    });
    if (!response.ok) throw new Error(`POST /api/session answered ${response.status}`);
    const { created } = (await response.json()) as { created?: boolean };
    if (created) throw new Error('the reload got a new session');
    const again = await who.tty();
    try {
      await again.waitFor('$ ', { timeoutMs: 60_000 });
    } finally {
      again.close();
    }
  });
}

/** CPU time (clock ticks) and resident size of a process, from /proc. */
function processStat(pid: number): { ticks: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rssPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    // utime, stime, and the children it reaped (dockerd's iptables and the like).
    return { ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]), rssBytes: rssPages * 4096 };
  } catch {
    return undefined;
  }
}

/** The host's CPU, busy and all, in clock ticks summed over its cores (/proc/stat). */
function hostTicks(): { busy: number; all: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = fields.reduce((sum, value) => sum + value, 0);
  // idle and iowait are not busy
  return { busy: all - fields[3]! - fields[4]!, all };
}

function pidOf(name: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) return Number(entry);
    } catch {
      // gone while listing
    }
  }
  return undefined;
}

/** The engine's own processes: the one dockerd.pid names, and its containerd. */
function enginePids(): { dockerd?: number; containerd?: number } {
  let dockerd: number | undefined;
  try {
    dockerd = Number(readFileSync('/var/run/docker.pid', 'utf8').trim()) || undefined;
  } catch {
    dockerd = pidOf('dockerd');
  }
  return { dockerd, containerd: pidOf('containerd') };
}

/** The containers' cgroups (workbenches, learners' containers, build steps): CPU ns and memory less inactive file cache. */
const CGROUP_PARENTS = ['docker', 'layerlab-builds'];
function cgroupCpuNs(): number {
  let total = 0;
  for (const parent of CGROUP_PARENTS) {
    try {
      total += Number(readFileSync(`/sys/fs/cgroup/cpuacct/${parent}/cpuacct.usage`, 'utf8'));
    } catch {
      // cgroup v2 or no such parent: not counted
    }
  }
  return total;
}
function cgroupMemoryBytes(): number {
  let total = 0;
  for (const parent of CGROUP_PARENTS) {
    try {
      const usage = Number(readFileSync(`/sys/fs/cgroup/memory/${parent}/memory.usage_in_bytes`, 'utf8'));
      const inactive = Number(/^total_inactive_file (\d+)$/m.exec(readFileSync(`/sys/fs/cgroup/memory/${parent}/memory.stat`, 'utf8'))?.[1] ?? 0);
      total += usage - inactive;
    } catch {
      // as above
    }
  }
  return total;
}

interface Leftovers {
  containers: number;
  images: number;
  volumes: number;
  networks: number;
}

/** What the engine still holds of these namespaces: labelled containers, volumes and networks, and image tags. */
async function leftovers(docker: Docker, instance: string, namespaces: Set<string>, options: { exceptWarm?: (namespace: string) => boolean } = {}): Promise<Leftovers> {
  const filters = { label: [`${LABEL.instance}=${instance}`] };
  const counted = (labels: Record<string, string> | undefined) => !options.exceptWarm?.(labels?.[LABEL.session] ?? '');
  const containers = (await docker.listContainers({ all: true, filters })).filter((info) => counted(info.Labels)).length;
  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).filter((volume) => counted(volume.Labels ?? {})).length;
  const networks = (await docker.listNetworks({ filters })).filter((network) => counted(network.Labels ?? {})).length;
  const images = (await docker.listImages())
    .flatMap((image) => image.RepoTags ?? [])
    .filter((tag) => [...namespaces].some((namespace) => tag.startsWith(`ll-${namespace}/`) || tag.startsWith(`llk-${namespace}/`))).length;
  return { containers, images, volumes, networks };
}

const total = (left: Leftovers) => left.containers + left.images + left.volumes + left.networks;
const describeLeft = (left: Leftovers) => `${left.containers} containers, ${left.images} image tags, ${left.volumes} volumes, ${left.networks} networks`;

async function measureClass(docker: Docker, env: Record<string, string | undefined>, learners: number): Promise<Section> {
  const instance = `${env.LAYERLAB_INSTANCE ?? 'bench'}-c${learners}`;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `layerlab-class-${learners}-`));
  const config = serverConfigFromEnv({
    ...env,
    PORT: '0',
    LAYERLAB_INSTANCE: instance,
    LAYERLAB_STATE_DIR: stateDir,
    LAYERLAB_SESSION_IDLE_TTL: `${IDLE_TTL_S}s`,
    LAYERLAB_REAPER_INTERVAL: `${REAPER_INTERVAL_S}s`,
  });
  const server: RunningServer = await startServer(config, docker, createLogger('silent'));
  const waits: number[] = [];
  const stopListening = server.context.buildQueue.onGranted((waitMs) => waits.push(waitMs));
  const times: LearnerTimes[] = Array.from({ length: learners }, () => ({}));
  // A warm workbench's namespace is not the one its session ID hashes to: the store knows each.
  const namespaces = new Set<string>();
  const opened = (sessionId: string) => {
    const namespace = server.context.store.get(sessionId)?.namespace.id;
    if (namespace) namespaces.add(namespace);
  };
  try {
    await server.context.warmPool.filled();
    const pids = enginePids();
    const before = {
      cpu: process.cpuUsage(),
      rss: process.memoryUsage().rss,
      dockerd: pids.dockerd ? processStat(pids.dockerd) : undefined,
      containerd: pids.containerd ? processStat(pids.containerd) : undefined,
      cgroupCpu: cgroupCpuNs(),
      cgroupMemory: cgroupMemoryBytes(),
      host: hostTicks(),
    };
    let peakRss = before.rss;
    let peakCgroupMemory = before.cgroupMemory;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakCgroupMemory = Math.max(peakCgroupMemory, cgroupMemoryBytes());
    }, 500);
    const wallStart = performance.now();
    await Promise.all(
      times.map(async (learnerTimes, index) => {
        await new Promise((resolve) => setTimeout(resolve, (index * ARRIVAL_SPREAD_MS) / learners));
        await oneLearner(server.url, index, learnerTimes, opened).catch((error: Error) => {
          learnerTimes.failure = error.message;
        });
      }),
    );
    const wall = performance.now() - wallStart;
    clearInterval(sampler);
    const after = {
      cpu: process.cpuUsage(before.cpu),
      rss: process.memoryUsage().rss,
      dockerd: pids.dockerd ? processStat(pids.dockerd) : undefined,
      containerd: pids.containerd ? processStat(pids.containerd) : undefined,
      cgroupCpu: cgroupCpuNs(),
      host: hostTicks(),
    };

    // The sessions end by the server's own idle TTL and reaper, nothing removed by hand.
    // What they held before: the count below can only be zero because the reaper removed it.
    const held = await leftovers(docker, instance, namespaces, { exceptWarm: (namespace) => server.context.warmPool.holds(namespace) });
    const expiryStart = performance.now();
    const deadline = Date.now() + (IDLE_TTL_S + 6 * REAPER_INTERVAL_S) * 1000;
    while (server.context.store.all().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1000));
    await server.reaper.sweep();
    const expiry = performance.now() - expiryStart;
    const sessionsLeft = server.context.store.all().length;
    const left = await leftovers(docker, instance, namespaces, { exceptWarm: (namespace) => server.context.warmPool.holds(namespace) });

    const ok = times.filter((learnerTimes) => !learnerTimes.failure);
    const failures = times.filter((learnerTimes) => learnerTimes.failure);
    const step = (name: keyof Omit<LearnerTimes, 'failure'>) => ok.map((learnerTimes) => learnerTimes[name]!);
    const buildAndRun = ok.map((learnerTimes) => learnerTimes.build! + learnerTimes.run!);
    const quantiles = (label: string, samples: number[], budget?: { p95: number; text: string }): Row =>
      ({
        measure: `${label}, p50 / p95`,
        value: `${ms(percentile(samples, 50))} / ${ms(percentile(samples, 95))}`,
        ...(budget ? { budget: budget.text, withinBudget: percentile(samples, 95) <= budget.p95 } : {}),
      });
    const tickMs = 10; // USER_HZ is 100 on Linux
    const engineProcess = (label: string, from?: { ticks: number; rssBytes: number }, to?: { ticks: number; rssBytes: number }): Row => ({
      measure: `${label}: CPU, RSS before → after`,
      value: from && to ? `${((to.ticks - from.ticks) * tickMs / 1000).toFixed(1)} s CPU (${(((to.ticks - from.ticks) * tickMs) / wall).toFixed(2)} cores), ${(from.rssBytes / MiB).toFixed(0)} → ${(to.rssBytes / MiB).toFixed(0)} MiB` : 'not found',
    });
    const serverCpuMs = (after.cpu.user + after.cpu.system) / 1000;
    const cgroupCpuMs = (after.cgroupCpu - before.cgroupCpu) / 1e6;
    return {
      title: `Classroom: ${learners} learners on one host`,
      group: 'classroom',
      method:
        `${learners} learners arrive over ${ARRIVAL_SPREAD_MS / 1000} s; each opens a session on lesson 1 (POST /api/session, its TTY terminal socket, until the prompt: "ready"), types \`docker images\` a key at a time ("typed"), ` +
        `types \`docker build -t hello .\` with the lesson's solution and a greeting of its own so no two builds share a cache hit ("build"), \`docker run --rm hello\` ("run"), runs the lesson's checks with POST /api/checks, which must all pass ("check"), and reloads the page: POST /api/session with the browser's copy of the files on the same cookie and a new terminal socket, until the prompt ("reload"). ` +
        `Times are per learner, of the learners who finished. A server of its own per class size (build slots ${config.policy.build.globalConcurrency}, ${config.policy.build.perAddress} per address, as every learner here comes from 127.0.0.1), idle TTL ${IDLE_TTL_S} s, reaper every ${REAPER_INTERVAL_S} s. ` +
        `Server CPU and memory are the bench's process, which also holds the ${learners} clients; the containers' figures are the docker and layerlab-builds cgroups (every container on the engine, others' too).`,
      rows: [
        { measure: 'learners who finished every step', value: `${ok.length} of ${learners}`, budget: 'all', withinBudget: failures.length === 0 },
        quantiles('session ready', step('ready')),
        quantiles('`docker images` typed a key at a time, to its end', step('typed')),
        quantiles('build', step('build')),
        quantiles('run', step('run')),
        quantiles('build + run', buildAndRun, { p95: 10_000, text: 'p95 ≤ 10 s' }),
        quantiles('checks', step('check')),
        quantiles('reload, to the prompt again', step('reload')),
        { measure: `build queue wait, p50 / p95 / max (${waits.length} builds)`, value: `${ms(percentile(waits, 50))} / ${ms(percentile(waits, 95))} / ${ms(percentile(waits, 100))}` },
        { measure: 'whole class, first arrival to last reload', value: ms(wall) },
        { measure: 'bench process (server and clients): CPU, RSS before → peak → after', value: `${(serverCpuMs / 1000).toFixed(1)} s CPU (${(serverCpuMs / wall).toFixed(2)} cores), ${(before.rss / MiB).toFixed(0)} → ${(peakRss / MiB).toFixed(0)} → ${(after.rss / MiB).toFixed(0)} MiB` },
        { measure: 'the host, all processes: CPU busy', value: `${(((after.host.busy - before.host.busy) / (after.host.all - before.host.all)) * 100).toFixed(0)} % of ${os.availableParallelism()} cores` },
        engineProcess('dockerd (and the processes it ran, e.g. iptables)', before.dockerd, after.dockerd),
        engineProcess('containerd', before.containerd, after.containerd),
        { measure: 'containers (cgroups): CPU, memory before → peak', value: `${(cgroupCpuMs / 1000).toFixed(1)} s CPU (${(cgroupCpuMs / wall).toFixed(2)} cores), ${(before.cgroupMemory / MiB).toFixed(0)} → ${(peakCgroupMemory / MiB).toFixed(0)} MiB` },
        { measure: "learners' objects on the engine when the class ended", value: describeLeft(held) },
        { measure: `learners' objects left once the TTL passed and the reaper ran (after ${(expiry / 1000).toFixed(0)} s, ${sessionsLeft} sessions left)`, value: describeLeft(left), budget: '0', withinBudget: total(left) === 0 && sessionsLeft === 0 },
        ...failures.slice(0, 3).map((learnerTimes) => ({ measure: 'a failure', value: learnerTimes.failure!.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 240) })),
      ],
    };
  } finally {
    stopListening();
    for (const session of server.context.store.all()) server.context.store.delete(session);
    await server.reaper.sweep();
    await server.close({ forget: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** One section per class size, in the order given, each on a fresh server. */
export async function measureClassroom(docker: Docker, env: Record<string, string | undefined>, sizes: number[], progress: (line: string) => void): Promise<Section[]> {
  const sections: Section[] = [];
  for (const learners of sizes) {
    progress(`measuring a class of ${learners} learners (then waiting out their ${IDLE_TTL_S} s idle TTL)…`);
    sections.push(await measureClass(docker, env, learners));
  }
  return sections;
}
