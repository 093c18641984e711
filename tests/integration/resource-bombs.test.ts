import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../sandbox-server/scope/namespace.ts';
import { namespaceOfLearner } from '../support/engine.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

/**
 * Fork and memory bombs, in a build and in a container: each is held by the limits the policy
 * sets, and the server keeps answering. Nothing here is measured by time.
 */

let sandbox: TestSandbox;
let docker: Docker;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  docker = sandbox.server.context.docker;
});

afterAll(async () => {
  await sandbox?.close();
});

/** Forks until the kernel refuses (or 400 children), then reports what it got and what the cgroup says. */
const FORK_COUNTER = [
  'import os, time',
  'forked = failed = 0',
  'for _ in range(400):',
  '    try:',
  '        pid = os.fork()',
  '    except OSError:',
  '        failed += 1',
  '        continue',
  '    if pid == 0:',
  '        time.sleep(4)',
  '        os._exit(0)',
  '    forked += 1',
  'print(f"forked={forked} failed={failed}", flush=True)',
  'time.sleep(1)',
].join('\n');

/**
 * The classic bomb, in bash (in a POSIX shell the special builtin ":" wins over a function named
 * ":"). The script then waits, with builtins only (a fork may fail by then), until its cgroup has
 * refused a fork, and reports the count: proof the bomb reached the cap and was held there.
 */
const CLASSIC_BOMB = [
  "bash -c ':(){ :|:& };:' 2>/dev/null",
  'i=0',
  'while read -r key refused < /sys/fs/cgroup/pids/pids.events && [ "$refused" = 0 ] && [ "$i" -lt 5000000 ]; do i=$((i + 1)); done',
  'echo "bomb over: refused=$refused"',
].join('\n');

function forkCounts(output: string): { forked: number; failed: number } {
  const match = /forked=(\d+) failed=(\d+)/.exec(output);
  expect(match, output).not.toBeNull();
  return { forked: Number(match![1]), failed: Number(match![2]) };
}

/** After each bomb: the server answers over HTTP and the learner's terminal still works. */
async function expectServerAnswers(learner: Learner): Promise<void> {
  const health = await fetch(`${sandbox.url}/api/health`);
  expect(health.status).toBe(200);
  expect(((await health.json()) as { ok: boolean; engine: boolean })).toMatchObject({ ok: true, engine: true });
  const ps = await learner.run('docker ps');
  expect(ps.exitCode).toBe(0);
  expect(ps.output).toMatch(/^CONTAINER ID\s+IMAGE/);
}

interface CgroupWatch {
  /** Build cgroups of the namespace seen while watching. */
  seen: Set<string>;
  limit: number;
  peak: number;
  /** Forks the kernel refused, from pids.events ("max N"). */
  refused: number;
  stop(): void;
}

/** Watches the host side of a namespace's build cgroups (cgroup v1 pids controller) while a build runs. */
function watchBuildCgroups(namespace: string): CgroupWatch {
  const root = '/sys/fs/cgroup/pids/layerlab-builds';
  const watch: CgroupWatch = { seen: new Set(), limit: Number.POSITIVE_INFINITY, peak: 0, refused: 0, stop: () => clearInterval(timer) };
  const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8').trim();
  const timer = setInterval(() => {
    let names: string[] = [];
    try {
      names = readdirSync(root).filter((name) => name.startsWith(`${namespace}-`));
    } catch {
      return;
    }
    for (const name of names) {
      const dir = path.join(root, name);
      try {
        watch.seen.add(name);
        watch.limit = Number(read(dir, 'pids.max'));
        watch.peak = Math.max(watch.peak, Number(read(dir, 'pids.current')));
        // cgroup v1 counts a refused fork in the forking task's own cgroup (the step's container,
        // below the build's), not in the ancestor whose limit refused it.
        const cgroups = [dir, ...readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => path.join(dir, entry.name))];
        const refused = cgroups.reduce((sum, cgroup) => sum + Number(/max (\d+)/.exec(read(cgroup, 'pids.events'))?.[1] ?? 0), 0);
        watch.refused = Math.max(watch.refused, refused);
      } catch {
        // removed between listing and reading: the build ended
      }
    }
  }, 20);
  return watch;
}

describe('in a build', () => {
  it("a fork bomb is held to the build's pids limit, on the host side too", async () => {
    const learner = await sandbox.newLearner({
      Dockerfile: 'FROM python:3.11-slim\nCOPY forks.py /\nRUN python /forks.py\n',
      'forks.py': `${FORK_COUNTER}\n`,
    });
    const watch = watchBuildCgroups(namespaceOfLearner(learner));
    let result;
    try {
      result = await learner.run('docker build --no-cache -t forks .');
    } finally {
      watch.stop();
    }
    expect(result.exitCode, result.output).toBe(0);
    const { forked, failed } = forkCounts(result.output);
    expect(failed).toBeGreaterThan(0);
    expect(forked).toBeLessThan(256);
    // The host saw the build's own cgroup reach its limit and refuse forks there.
    expect(watch.seen.size).toBeGreaterThan(0);
    expect(watch.limit).toBe(256);
    expect(watch.peak).toBeGreaterThan(200);
    expect(watch.peak).toBeLessThanOrEqual(256);
    expect(watch.refused).toBeGreaterThan(0);
    await expectServerAnswers(learner);
  });

  it('the classic shell fork bomb is held at the cap until the step ends', async () => {
    const learner = await sandbox.newLearner({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY bomb.sh /\nRUN sh /bomb.sh\n',
      'bomb.sh': `${CLASSIC_BOMB}\n`,
    });
    const watch = watchBuildCgroups(namespaceOfLearner(learner));
    let result;
    try {
      result = await learner.run('docker build --no-cache -t bomb .');
    } finally {
      watch.stop();
    }
    // The step's own cgroup counted forks the build's limit refused: the bomb really hit it.
    expect(result.output).toMatch(/^bomb over: refused=[1-9]\d*$/m);
    expect(watch.peak).toBeLessThanOrEqual(256);
    await expectServerAnswers(learner);
  });

  it('a memory bomb is killed, with the hint for code 137', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nRUN head -c 800m /dev/zero | tail\n' });
    const result = await learner.run('docker build --no-cache -t memory .');
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/returned a non-zero code: 137/);
    expect(result.output).toContain(
      "hint: code 137 means the step was killed, usually for using more than the build's memory limit",
    );
    await expectServerAnswers(learner);
  });
});

describe('in a container', () => {
  it('a fork bomb is held to 128 pids', async () => {
    const learner = await sandbox.newLearner({
      Dockerfile: 'FROM python:3.11-slim\nCOPY forks.py /\n',
      'forks.py': `${FORK_COUNTER}\nprint(open('/sys/fs/cgroup/pids/pids.max').read().strip(), open('/sys/fs/cgroup/pids/pids.events').read().strip())\n`,
    });
    await learner.ok('docker build -q -t forks .');
    const result = await learner.run('docker run --rm forks python /forks.py');
    expect(result.exitCode, result.output).toBe(0);
    const { forked, failed } = forkCounts(result.output);
    expect(failed).toBeGreaterThan(0);
    expect(forked).toBeLessThan(128);
    expect(forked).toBeGreaterThan(100);
    expect(result.output).toMatch(/^128 max [1-9]\d*$/m);
    await expectServerAnswers(learner);
  });

  it('the classic shell fork bomb is contained', async () => {
    const learner = await sandbox.newLearner({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY bomb.sh /\n',
      'bomb.sh': `${CLASSIC_BOMB}\n`,
    });
    await learner.ok('docker build -q -t bomb .');
    const result = await learner.run('docker run --name bomb bomb sh /bomb.sh');
    expect(result.output).toMatch(/^bomb over: refused=[1-9]\d*$/m);
    const [bomb] = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.session}=${namespaceOfLearner(learner)}`, `${LABEL.name}=bomb`] },
    });
    expect((await docker.getContainer(bomb!.Id).inspect()).HostConfig.PidsLimit).toBe(128);
    await expectServerAnswers(learner);
  });

  it('a memory bomb is OOM-killed: exit 137', async () => {
    const learner = await sandbox.newLearner();
    await learner.ok('docker pull -q python:3.11-slim');
    const result = await learner.run(`docker run --name hog python:3.11-slim python -c "b = b'x' * (600 << 20); print('survived')"`);
    expect(result.exitCode).toBe(137);
    expect(result.output).not.toContain('survived');
    const [hog] = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.session}=${namespaceOfLearner(learner)}`, `${LABEL.name}=hog`] },
    });
    const info = await docker.getContainer(hog!.Id).inspect();
    expect(info.State.OOMKilled).toBe(true);
    expect(info.State.ExitCode).toBe(137);
    await expectServerAnswers(learner);
  });
});
