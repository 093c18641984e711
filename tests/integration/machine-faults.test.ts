import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { ensurePackageCache, packageCacheAnswers, packageCacheRunning, stopPackageCache } from '../../sandbox-server/packages/package-cache.ts';
import { packageCacheSettings, type PackageCacheSettings } from '../../sandbox-server/packages/settings.ts';
import { probeRegistry } from '../../sandbox-server/registry/client.ts';
import { ensureRegistry, registryRunning } from '../../sandbox-server/registry/process.ts';
import { MachineServices } from '../../sandbox-server/services/machine-services.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { until } from '../support/until.ts';

/**
 * The machine's shared services dying under a class, and its disk filling: each time the learner
 * gets a sentence or nothing at all, the server mends what it can without an operator, and what
 * was saved is still there. This file's registry and package cache are its own (a port, a subnet
 * and folders of their own: vitest runs each file in its own process), so killing them touches no
 * other test.
 */

const docker = connectEngine();
const registryDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-registry-'));
const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-cache-'));
// The cache's services run unprivileged, so its folder must be open to them.
chmodSync(cacheDir, 0o755);
Object.assign(process.env, {
  LAYERLAB_REGISTRY_PORT: '5004',
  LAYERLAB_REGISTRY_DIR: registryDir,
  LAYERLAB_PACKAGE_CACHE_SUBNET: '10.203.0.0/29',
  LAYERLAB_PACKAGE_CACHE_DIR: cacheDir,
});
let settings: PackageCacheSettings;
let sandbox: TestSandbox;

/**
 * Every process whose command line or environment names `folder` (Verdaccio renames itself), with
 * its children (nginx's workers name nothing).
 */
function processesOf(folder: string): number[] {
  const parents = new Map<number, number>();
  const own: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(folder)) own.push(Number(entry));
      else if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`LAYERLAB_SERVICE=${folder}`)) own.push(Number(entry));
    } catch {
      // gone already
    }
  }
  const children = [...parents].filter(([, parent]) => own.includes(parent)).map(([pid]) => pid);
  return [...new Set([...own, ...children])];
}

/** SIGKILL, as the kernel's OOM killer or a crash ends a process: no clean-up of its own. */
function kill(pids: number[]): void {
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
}

beforeAll(async () => {
  await ensureRegistry({ logDir: registryDir, log: () => undefined });
  settings = (await packageCacheSettings())!;
  await ensurePackageCache(docker, settings, { logDir: cacheDir, log: () => undefined });
  // A long watch interval: the registry and cache below come back because a command needed them.
  sandbox = await startTestSandbox({ LAYERLAB_SERVICE_CHECK_INTERVAL: '1h' });
}, 180_000);

afterAll(async () => {
  await sandbox?.close();
  for (const pid of processesOf(registryDir)) process.kill(pid, 'SIGTERM');
  if (settings) await stopPackageCache(docker, settings);
  rmSync(registryDir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('the class registry killed', () => {
  it('is started again by the next push, which succeeds, and what was pushed before is still there', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo","pushed before"]\n' });
    await learner.ok('docker build -t localhost:5000/app:v1 .');
    await learner.ok('docker push localhost:5000/app:v1');

    kill(processesOf(registryDir));
    await until(async () => (await probeRegistry()) === undefined && !registryRunning(), 'the registry to be gone', 10_000);

    await learner.ok('docker tag localhost:5000/app:v1 localhost:5000/app:v2');
    const pushed = await learner.run('docker push localhost:5000/app:v2');
    expect(pushed.exitCode, pushed.output).toBe(0);
    expect(await probeRegistry()).toBe(200);
    // The layers pushed before the kill were on disk, and the restarted registry serves them.
    await learner.ok('docker rmi localhost:5000/app:v1');
    expect(await learner.run('docker run --rm localhost:5000/app:v1')).toMatchObject({ exitCode: 0, output: expect.stringContaining('pushed before\n') });
  });

  it('is started again by the watch with no command at all', async () => {
    const watching = await startTestSandbox({ LAYERLAB_SERVICE_CHECK_INTERVAL: '1s' });
    try {
      kill(processesOf(registryDir));
      await until(async () => (await probeRegistry()) === undefined && !registryRunning(), 'the registry to be gone', 10_000);
      await until(async () => (await probeRegistry()) === 200, 'the watch to start the registry again', 60_000);
    } finally {
      await watching.close();
    }
  });

  it('is not started again while it is only slow (stopped, not dead): a second one could only fail to take its port', async () => {
    // (A restart that just ended may still be leaving: its flock names the folder too.)
    const registries = processesOf(registryDir).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('docker-registry'));
    expect(registries, 'one registry of this file runs').toHaveLength(1);
    const [pid] = registries;
    process.kill(pid!, 'SIGSTOP');
    try {
      await until(async () => (await probeRegistry()) === undefined, 'the stopped registry to stop answering', 10_000);
      await sandbox.server.context.machine.services.need('registry');
      expect(processesOf(registryDir).filter((other) => other !== pid && readFileSync(`/proc/${other}/cmdline`, 'utf8').startsWith('docker-registry'))).toEqual([]);
    } finally {
      process.kill(pid!, 'SIGCONT');
    }
    await until(async () => (await probeRegistry()) === 200, 'the registry to answer again', 20_000);
  });
});

describe('the class package cache killed', () => {
  it('is started again before the next build, which gets its packages', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM node:18-slim\nRUN npm ping\n' });
    await learner.ok('docker build -t first .');

    // Verdaccio and nginx both, master and workers: nothing of the cache answers.
    kill([...processesOf(path.join(cacheDir, 'npm')), ...processesOf(path.join(cacheDir, 'proxy'))]);
    await until(async () => !(await packageCacheAnswers(settings)) && !packageCacheRunning(settings), 'the cache to be gone', 10_000);

    await learner.setFiles({ Dockerfile: `FROM node:18-slim\nRUN npm ping && echo ${Date.now()}\n` });
    const built = await learner.run('docker build -t second .', 300_000);
    expect(built.exitCode, built.output).toBe(0);
    expect(built.output).toMatch(/PONG/);
    expect(await packageCacheAnswers(settings)).toBe(true);
  });

  it('is not started again while it is only slow (stopped, not dead): that would cut the downloads of a class', async () => {
    const pidFile = path.join(cacheDir, 'npm', 'verdaccio.pid');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGSTOP');
    try {
      await until(async () => !(await packageCacheAnswers(settings)), 'the stopped cache to stop answering', 20_000);
      await sandbox.server.context.machine.services.need('packages');
      expect(Number(readFileSync(pidFile, 'utf8'))).toBe(pid);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await until(() => packageCacheAnswers(settings), 'the cache to answer again', 20_000);
  });

  it('is mended half by half: the proxy dead and Verdaccio only slow, only the proxy is started again', async () => {
    const verdaccio = Number(readFileSync(path.join(cacheDir, 'npm', 'verdaccio.pid'), 'utf8'));
    process.kill(verdaccio, 'SIGSTOP');
    try {
      kill(processesOf(path.join(cacheDir, 'proxy')));
      // Gone, not just signalled: a process the kernel is still taking down looks alive.
      await until(async () => !packageCacheRunning(settings), 'the proxy to be gone', 10_000, 20);
      await sandbox.server.context.machine.services.need('packages');
      expect(processesOf(path.join(cacheDir, 'npm'))).toEqual([verdaccio]);
      expect(processesOf(path.join(cacheDir, 'proxy')).length).toBeGreaterThan(0);
    } finally {
      process.kill(verdaccio, 'SIGCONT');
    }
    await until(() => packageCacheAnswers(settings), 'the cache to answer again', 20_000);
  });

  it('is started once when two servers of the machine find it dead at the same moment', async () => {
    // Another server on this machine: services of its own, the same cache.
    const other = new MachineServices({ docker, logDir: cacheDir, packages: settings, log: pino({ level: 'silent' }) });
    kill([...processesOf(path.join(cacheDir, 'npm')), ...processesOf(path.join(cacheDir, 'proxy'))]);
    await until(async () => !(await packageCacheAnswers(settings)) && !packageCacheRunning(settings), 'the cache to be gone', 10_000);
    await Promise.all([sandbox.server.context.machine.services.need('packages'), other.need('packages')]);
    // One Verdaccio, the one its pid file names (two would race for its socket, one of them unreachable).
    const verdaccios = processesOf(path.join(cacheDir, 'npm'));
    expect(verdaccios).toEqual([Number(readFileSync(path.join(cacheDir, 'npm', 'verdaccio.pid'), 'utf8'))]);
    expect(await packageCacheAnswers(settings)).toBe(true);
  });
});

describe('the disk past its watermark', () => {
  const filler = path.join('/var/lib', `layerlab-test-filler-${process.pid}`);
  afterAll(() => rmSync(filler, { force: true }));

  it('refuses new builds, pulls and commits with a sentence, keeps what the learner has, and builds again once space is freed', async () => {
    const free = Number(spawnSync('df', ['--output=avail', '-B1', '/var/lib/docker'], { encoding: 'utf8' }).stdout.split('\n')[1]);
    expect(free).toBeGreaterThan(4 * 1024 ** 3);
    // The watermark sits 1 GiB under what is free now; a 3 GiB file takes the disk past it.
    const tight = await startTestSandbox({ LAYERLAB_DISK_MIN_FREE: String(free - 1024 ** 3) });
    try {
      const learner = await tight.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo","built before"]\n', 'notes.txt': 'saved\n' });
      await learner.ok('docker build -t before .');
      await learner.ok('docker run -d --name keeper busybox sleep 600');

      const filled = spawnSync('fallocate', ['-l', String(3 * 1024 ** 3), filler], { encoding: 'utf8' });
      expect(filled.status, filled.stderr).toBe(0);

      await learner.setFiles({ Dockerfile: 'FROM busybox\nRUN echo new > /new\n', 'notes.txt': 'saved\n' });
      const refused = await learner.run('docker build -t after .');
      expect(refused.exitCode).not.toBe(0);
      expect(refused.output).toMatch(/the machine's disk is nearly full \([\d.]+ GiB free, and the sandbox keeps [\d.]+ GiB\), so new builds wait until space is freed; your files, images and containers are kept/);
      expect((await learner.run('docker commit keeper snapshot')).output).toMatch(/so new images wait until space is freed/);
      expect((await learner.run('docker pull node:18-slim')).output).toMatch(/so new images wait until space is freed/);
      // What the learner had is untouched, and usable.
      expect(await learner.run('docker run --rm before')).toEqual({ output: 'built before\n', exitCode: 0 });
      expect(await learner.ok('cat notes.txt; docker ps --format "{{.Names}}"')).toBe('saved\nkeeper\n');

      rmSync(filler);
      const built = await learner.run('docker build -t after .');
      expect(built.exitCode, built.output).toBe(0);
    } finally {
      rmSync(filler, { force: true });
      await tight.close();
    }
  });

  it('refuses a build that waited in the queue while the disk filled, once it gets its slot', async () => {
    const free = Number(spawnSync('df', ['--output=avail', '-B1', '/var/lib/docker'], { encoding: 'utf8' }).stdout.split('\n')[1]);
    const tight = await startTestSandbox({ LAYERLAB_DISK_MIN_FREE: String(free - 1024 ** 3) });
    try {
      // Both learners come from this machine's address, which holds one build slot at a time.
      const holder = await tight.newLearner({ Dockerfile: `FROM busybox\nRUN sleep 8 && echo ${Date.now()}\n` });
      const waiter = await tight.newLearner({ Dockerfile: `FROM busybox\nRUN echo waited ${Date.now()} > /waited\n` });
      const holding = holder.run('docker build -t holding .');
      await until(async () => tight.server.context.buildQueue.running === 1, 'the first build to take the slot', 30_000, 50);
      const waiting = waiter.run('docker build -t waited .');
      await until(async () => tight.server.context.buildQueue.waiting === 1, 'the second build to wait for it', 30_000, 50);

      const filled = spawnSync('fallocate', ['-l', String(3 * 1024 ** 3), filler], { encoding: 'utf8' });
      expect(filled.status, filled.stderr).toBe(0);
      const refused = await waiting;
      expect(refused.exitCode).not.toBe(0);
      expect(refused.output).toMatch(/Waiting for a build slot/);
      expect(refused.output).toMatch(/the machine's disk is nearly full \([\d.]+ GiB free, and the sandbox keeps [\d.]+ GiB\), so new builds wait until space is freed/);
      expect((await waiter.run('docker images -q waited')).output).toBe('');
      rmSync(filler);
      expect((await holding).exitCode).toBe(0);
    } finally {
      rmSync(filler, { force: true });
      await tight.close();
    }
  });
});
