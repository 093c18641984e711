import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBuildCgroup } from '../../sandbox-server/build/cgroup.ts';
import { LABEL } from '../../sandbox-server/scope/namespace.ts';
import { leaseStates } from '../../sandbox-server/sessions/lease.ts';
import { removeNamespace } from '../../sandbox-server/sessions/teardown.ts';
import { isEmpty, namespaceOfLearner, objectsOf, randomHex } from '../support/engine.ts';
import { Learner, openTerminal, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/** The reaper: what it removes (expired, crashed, past hard expiry) and what it must leave alone. */

let docker: Docker;
/** Sandboxes and state folders a test leaves for afterEach to clean up. */
const open: TestSandbox[] = [];
const stateDirs: string[] = [];

async function sandboxWith(env: Record<string, string> = {}): Promise<TestSandbox> {
  const sandbox = await startTestSandbox(env);
  open.push(sandbox);
  docker ??= sandbox.server.context.docker;
  return sandbox;
}

/** Gives a session a container (running), an image with keep tags, a volume and its network. */
async function populate(learner: Learner): Promise<string> {
  await learner.setFiles({ Dockerfile: `FROM busybox\nENV BUILT=${randomHex(8)}\nCMD ["sleep", "300"]\n` });
  await learner.ok('docker build -t app .');
  await learner.ok('docker volume create data');
  await learner.ok('docker run -d --name web -v data:/data app');
  const namespace = namespaceOfLearner(learner);
  const objects = await objectsOf(docker, namespace);
  expect(objects.containers).toHaveLength(1);
  expect(objects.imageTags).toEqual(expect.arrayContaining([`ll-${namespace}/app:latest`, `ll-${namespace}/busybox:latest`]));
  expect(objects.imageTags.some((tag) => tag.startsWith(`llk-${namespace}/`))).toBe(true);
  expect(objects.volumes).toEqual([`ll-${namespace}-data`]);
  expect(objects.networks).toEqual([`ll-${namespace}-net`]);
  return namespace;
}

afterEach(async () => {
  for (const sandbox of open.splice(0)) await sandbox.close().catch(() => undefined);
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  for (const sandbox of open.splice(0)) await sandbox.close().catch(() => undefined);
});

describe('the reaper', () => {
  it('ends a session past its idle TTL and removes everything it had, keep tags included', async () => {
    const sandbox = await sandboxWith({ LAYERLAB_SESSION_IDLE_TTL: '1500ms' });
    const idle = await sandbox.newLearner();
    const namespace = await populate(idle);
    // Opened after the set-up, which may take longer than the idle TTL on a busy machine.
    const active = await sandbox.newLearner();
    await active.ok('docker volume create mine');
    // Found by namespace, as the reaper finds it: `store.get` already answers "no such session"
    // for one past its idle TTL, which on a busy machine it may be by now.
    const store = sandbox.server.context.store;
    const session = store.byNamespace(namespace)!;
    expect(session.id).toBe(idle.sessionId);
    while (!store.isExpired(session)) await new Promise((resolve) => setTimeout(resolve, 100));
    await active.ok('docker volume ls');

    const report = await sandbox.server.reaper.sweep();
    expect(report.endedSessions).toBe(1);
    expect(report.removedNamespaces).toContain(namespace);
    expect(await objectsOf(docker, namespace)).toSatisfy(isEmpty);

    // The session is over for the learner too …
    const described = await fetch(`${sandbox.url}/api/session`, { headers: { cookie: idle.cookie } });
    expect(described.status).toBe(401);
    await expect(openTerminal(sandbox.url, idle.cookie, { mode: 'lines' })).rejects.toThrow('HTTP 401');
    // … and the learner who kept working keeps everything.
    expect(await active.ok('docker volume ls -q')).toBe('mine\n');
  });

  it("removes on start what a crashed server of the same instance left, but not another live instance's objects", async () => {
    const crashed = await sandboxWith();
    const other = await sandboxWith();
    const lost = await crashed.newLearner();
    const lostNamespace = await populate(lost);
    const neighbour = await other.newLearner();
    const neighbourNamespace = await populate(neighbour);
    // A session whose only object is a pulled image: no container, no volume, no build.
    const puller = await other.newLearner();
    await puller.ok('docker pull -q busybox');
    const pullerNamespace = namespaceOfLearner(puller);
    const neighbourBefore = await objectsOf(docker, neighbourNamespace);

    // The crash: the server stops and its state file is lost; a new one starts as the same instance.
    await crashed.stop();
    open.splice(open.indexOf(crashed), 1);
    stateDirs.push(crashed.config.stateDir);
    const successor = await sandboxWith({ LAYERLAB_INSTANCE: crashed.config.instance });
    expect(await objectsOf(docker, lostNamespace)).toSatisfy(isEmpty);

    await successor.server.reaper.sweep();
    const neighbourAfter = await objectsOf(docker, neighbourNamespace);
    expect(neighbourAfter.containers.map((container) => container.Id)).toEqual(neighbourBefore.containers.map((container) => container.Id));
    expect(neighbourAfter.imageTags.sort()).toEqual(neighbourBefore.imageTags.sort());
    expect(neighbourAfter.volumes).toEqual(neighbourBefore.volumes);
    expect(neighbourAfter.networks).toEqual(neighbourBefore.networks);
    expect(await neighbour.ok('docker ps -q')).toMatch(/^[0-9a-f]{12}\n$/);
    expect((await objectsOf(docker, pullerNamespace)).imageTags).toEqual([`ll-${pullerNamespace}/busybox:latest`]);
    expect(await puller.ok('docker images -q busybox')).toMatch(/^[0-9a-f]{12}\n$/);
  });

  it('refuses a second server of the same instance in one sentence, and the first one\'s learners keep everything', async () => {
    const first = await sandboxWith();
    const learner = await first.newLearner();
    const namespace = await populate(learner);
    const before = await objectsOf(docker, namespace);
    const error = await startTestSandbox({ LAYERLAB_INSTANCE: first.config.instance }).then(
      () => undefined,
      (reason: Error) => reason,
    );
    expect(error?.message).toMatch(new RegExp(`^Another Layerlab server \\(.+\\) already serves LAYERLAB_INSTANCE=${first.config.instance} on this Docker Engine; stop it, or start this one with another LAYERLAB_INSTANCE\\.$`));
    await first.server.reaper.sweep();
    const after = await objectsOf(docker, namespace);
    expect(after.containers.map((container) => container.Id)).toEqual(before.containers.map((container) => container.Id));
    expect(after.imageTags.sort()).toEqual(before.imageTags.sort());
    expect(await learner.ok('docker ps -q')).toMatch(/^[0-9a-f]{12}\n$/);
  });

  it('keeps a session whose terminal waits for its workbench to start, however long past the idle TTL that takes', async () => {
    const sandbox = await sandboxWith({ LAYERLAB_SESSION_IDLE_TTL: '3s' });
    // A loaded host: the workbench starts only after well over the idle TTL. The wait is put in
    // front of the real start, which still happens on the engine.
    const workbenches = sandbox.server.context.workbenches;
    const start = workbenches.for.bind(workbenches);
    workbenches.for = async (session) => {
      await new Promise((resolve) => setTimeout(resolve, 8000));
      return start(session);
    };
    const learner = await sandbox.newLearner();
    const store = sandbox.server.context.store;
    const session = store.get(learner.sessionId)!;
    let expired = false;
    const watching = setInterval(() => (expired ||= store.isExpired(session)), 100);
    try {
      expect(await learner.ok('echo still here')).toBe('still here\n');
    } finally {
      clearInterval(watching);
    }
    expect(expired, 'the session passed its idle TTL while its workbench started').toBe(false);
    expect(store.get(learner.sessionId)).toBe(session);
  });

  it('lets the next server of an instance start at once after the last one was killed', async () => {
    const instance = `t${process.pid}-killed-${randomHex(4)}`;
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-killed-'));
    stateDirs.push(stateDir);
    const child = spawn(process.execPath, ['bin/layerlab.js', 'serve', '--dev'], {
      env: { ...process.env, PORT: '0', LAYERLAB_INSTANCE: instance, LAYERLAB_STATE_DIR: stateDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes('sandbox for the dev server at')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${printed}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const started = Date.now();
    const next = await sandboxWith({ LAYERLAB_INSTANCE: instance, LAYERLAB_STATE_DIR: stateDir });
    expect(next.server.lease.held).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("leaves another instance's objects while its server lives, and removes them once it has been gone longer than its idle TTL", async () => {
    const owner = await sandboxWith({ LAYERLAB_SESSION_IDLE_TTL: '3s' });
    const learner = await owner.newLearner();
    const namespace = await populate(learner);
    const before = await objectsOf(docker, namespace);
    const neighbour = await sandboxWith();
    await neighbour.server.reaper.sweep();
    expect((await objectsOf(docker, namespace)).containers.map((container) => container.Id)).toEqual(before.containers.map((container) => container.Id));

    // Gone, as a crash or a stop leaves it: its sessions could still come back for a while.
    await owner.stop();
    open.splice(open.indexOf(owner), 1);
    stateDirs.push(owner.config.stateDir);
    await neighbour.server.reaper.sweep();
    expect((await objectsOf(docker, namespace)).imageTags.sort()).toEqual(before.imageTags.sort());
    // Gone longer than its idle TTL by the engine's clock (the lease's FinishedAt), however long
    // the stop and the sweeps took on a busy machine.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const lease = (await leaseStates(docker)).get(owner.config.instance);
      expect(lease?.alive, 'the owner has a lease on the engine, and it is not held').toBe(false);
      if (Date.now() - lease!.goneSince! > 3500 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const report = await neighbour.server.reaper.sweep();
    expect(report.removedNamespaces).toContain(namespace);
    expect(await objectsOf(docker, namespace)).toSatisfy(isEmpty);
  });

  it("leaves another server's new build cgroup alone when it starts", async () => {
    // Made, as a build does, before its first step runs in it.
    const building = createBuildCgroup(`elsewhere-${randomHex(8)}`, { pids: 16, memoryBytes: 64 * 1024 ** 2 });
    try {
      await sandboxWith();
      const pidsDir = existsSync('/sys/fs/cgroup/cgroup.controllers') ? `/sys/fs/cgroup${building.parent}` : `/sys/fs/cgroup/pids${building.parent}`;
      expect(existsSync(pidsDir), pidsDir).toBe(true);
    } finally {
      building.remove();
    }
  });

  it('removes objects past their hard expiry, whatever their instance', async () => {
    const sandbox = await sandboxWith();
    const expired = randomHex(16);
    const current = randomHex(16);
    const elsewhere = `elsewhere-${randomHex(6)}`;
    const labels = (namespace: string, expires: number) => ({
      [LABEL.session]: namespace,
      [LABEL.instance]: elsewhere,
      [LABEL.expires]: String(expires),
    });
    try {
      for (const [namespace, expires] of [
        [expired, Date.now() - 60_000],
        [current, Date.now() + 3_600_000],
      ] as const) {
        await docker.createNetwork({ Name: `ll-${namespace}-net`, Internal: true, Labels: labels(namespace, expires) });
        await docker.createVolume({ Name: `ll-${namespace}-data`, Labels: labels(namespace, expires) });
        await docker.createContainer({ name: `ll-${namespace}-c`, Image: 'busybox:latest', Cmd: ['true'], Labels: labels(namespace, expires) });
        await docker.getImage('busybox:latest').tag({ repo: `ll-${namespace}/old`, tag: 'latest' });
        await docker.getImage('busybox:latest').tag({ repo: `llk-${namespace}/build`, tag: 'x-0' });
      }
      const busybox = (await docker.getImage('busybox:latest').inspect()).Id;

      const report = await sandbox.server.reaper.sweep();
      expect(report.removedNamespaces).toContain(expired);
      expect(report.removedNamespaces).not.toContain(current);
      expect(await objectsOf(docker, expired)).toSatisfy(isEmpty);
      const kept = await objectsOf(docker, current);
      expect(kept.containers).toHaveLength(1);
      expect(kept.imageTags.sort()).toEqual([`ll-${current}/old:latest`, `llk-${current}/build:x-0`]);
      expect(kept.volumes).toEqual([`ll-${current}-data`]);
      expect(kept.networks).toEqual([`ll-${current}-net`]);
      // Removing the namespace's tags never touched the catalogue image they pointed at.
      expect((await docker.getImage('busybox:latest').inspect()).Id).toBe(busybox);
    } finally {
      await removeNamespace(docker, expired);
      await removeNamespace(docker, current);
    }
  });

  it('also removes what failed builds left behind, which no tag of the learner names', async () => {
    const sandbox = await sandboxWith();
    const learner = await sandbox.newLearner({
      Dockerfile: `FROM busybox\nRUN echo ${randomHex(8)} > /made\nRUN exit 3\n`,
      'multi.Dockerfile': `FROM busybox AS first\nRUN echo ${randomHex(8)} > /a\nFROM busybox\nRUN echo ${randomHex(8)} > /b\nRUN exit 4\n`,
    });
    const leftovers: string[] = [];
    for (const command of ['docker build -t broken .', 'docker build -f multi.Dockerfile -t broken .']) {
      const result = await learner.run(command);
      expect(result.exitCode).toBe(1);
      // Each finished RUN step printed the image it made, now build cache that outlives the build.
      leftovers.push(...[...result.output.matchAll(/^Step \d+\/\d+ : RUN echo[^\n]*\n(?: ---> Running in \w+\n)?(?:[^\n]*\n)*? ---> ([0-9a-f]{12})$/gm)].map((match) => match[1]!));
    }
    expect(leftovers).toHaveLength(3);
    for (const id of leftovers) await docker.getImage(id).inspect();

    const session = sandbox.server.context.store.get(learner.sessionId)!;
    sandbox.server.context.store.delete(session);
    await sandbox.server.reaper.sweep();
    for (const id of leftovers) {
      await expect(docker.getImage(id).inspect(), id).rejects.toMatchObject({ statusCode: 404 });
    }
  });

  it('leaves a session that survives a restart owning its images', async () => {
    const first = await sandboxWith();
    const learner = await first.newLearner();
    const namespace = await populate(learner);
    const before = await objectsOf(docker, namespace);

    await first.stop();
    open.splice(open.indexOf(first), 1);
    stateDirs.push(first.config.stateDir);
    const restarted = await sandboxWith({ LAYERLAB_INSTANCE: first.config.instance, LAYERLAB_STATE_DIR: first.config.stateDir });
    await restarted.server.reaper.sweep();

    const after = await objectsOf(docker, namespace);
    expect(after.imageTags.sort()).toEqual(before.imageTags.sort());
    expect(after.containers.map((container) => container.Id)).toEqual(before.containers.map((container) => container.Id));
    expect(after.volumes).toEqual(before.volumes);
    // The learner is back at the same shell, which the restarted server reattached to. Its last
    // prompt never reaches the engine's log (a line without a newline), so the replay ends inside
    // the last command; each line is given 30 s so a shell that never answers fails as such.
    const back = Learner.resume(restarted.url, learner.cookie);
    const ok = async (command: string) => {
      const result = await back.run(command, 30_000);
      expect(result.exitCode, `"${command}": ${result.output}`).toBe(0);
      return result.output;
    };
    try {
      expect(await ok('docker images app')).toMatch(/^app\s+latest\s+[0-9a-f]{12}/m);
      expect(await ok('docker ps')).toMatch(/\sweb\n$/);
      expect(await back.run('docker run --rm app echo still mine', 30_000)).toEqual({ output: 'still mine\n', exitCode: 0 });
    } finally {
      back.disconnect();
    }
  });
});
