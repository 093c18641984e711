import { afterEach, describe, expect, it } from 'vitest';
import { postFrom, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/** One client can't take the seats or the build slots that a classroom shares. */

let sandbox: TestSandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('seats', () => {
  it('one address holds a few sessions at most, and everyone else still gets a seat', async () => {
    sandbox = await startTestSandbox({ LAYERLAB_SESSIONS_PER_ADDRESS: '3' });
    for (let i = 0; i < 3; i++) expect((await postFrom('127.0.0.3', sandbox.url, '/api/session', {})).status).toBe(200);
    const refused = await postFrom('127.0.0.3', sandbox.url, '/api/session', {});
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error).toBe(
      'your address already holds 3 sessions, the most one address may have here; close some tabs, or wait a few minutes for unused ones to end',
    );
    const other = await sandbox.newLearner(undefined, undefined, '127.0.0.4');
    expect(await other.ok('docker images -q')).toBe('');
  });

  it('ends a session whose terminal never opened within minutes, and keeps one whose terminal did', async () => {
    sandbox = await startTestSandbox({ LAYERLAB_SESSION_UNOPENED_TTL: '1s' });
    const unused = await postFrom('127.0.0.5', sandbox.url, '/api/session', {});
    const used = await sandbox.newLearner();
    await used.ok('docker images');
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect((await fetch(`${sandbox.url}/api/session`, { headers: { cookie: unused.cookie! } })).status).toBe(401);
    expect((await fetch(`${sandbox.url}/api/session`, { headers: { cookie: used.cookie } })).status).toBe(200);
    // The seat it held is free again.
    await sandbox.server.reaper.sweep();
    expect(sandbox.server.context.store.all()).toHaveLength(1);
  });

  it('one client with several sessions never holds every build slot', async () => {
    sandbox = await startTestSandbox({ LAYERLAB_BUILD_CONCURRENCY: '2' });
    const slow = { Dockerfile: `FROM busybox\nRUN sleep 4 && echo ${Date.now()}\n` };
    const crowd = await Promise.all([1, 2].map(() => sandbox!.newLearner(slow, undefined, '127.0.0.6')));
    await Promise.all(crowd.map((learner) => learner.ok('docker pull -q busybox')));
    const crowdBuilds = crowd.map((learner) => learner.run('docker build --no-cache -t slow .'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["true"]\n' }, undefined, '127.0.0.7');
    const built = await learner.run('docker build -t quick .');
    expect(built.exitCode, built.output).toBe(0);
    expect(built.output).not.toMatch(/Waiting for a build slot/);
    const [first, second] = await Promise.all(crowdBuilds);
    expect([first!.exitCode, second!.exitCode]).toEqual([0, 0]);
    // The crowd's second build waited for its first, not for the learner's.
    expect([first!.output, second!.output].filter((output) => /Waiting for a build slot: 1st in line/.test(output))).toHaveLength(1);
  });
});
