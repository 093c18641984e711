import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateChecks } from '../../sandbox-server/checks/evaluate.ts';
import { Check } from '../../sandbox-server/lessons/schema.ts';
import { registryPort } from '../../sandbox-server/registry/address.ts';
import { manifestDigest } from '../../sandbox-server/registry/client.ts';
import { buildOnEngine } from '../support/engine.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let alice: Learner;
let bob: Learner;

const namespaceOf = (learner: Learner) => sandbox.server.context.store.get(learner.sessionId)!.namespace.id;

/**
 * The lines a terminal ends up showing. The real CLI draws a push's progress on a TTY (the
 * workbench's) by moving the cursor up a line, erasing it and writing it again; this applies
 * those moves (\x1b[nA, \x1b[nB, \x1b[2K, \r) so each layer reads as its final line.
 */
function screen(output: string): string {
  const lines = [''];
  let row = 0;
  let column = 0;
  for (const [token, count, command] of output.matchAll(/\x1b\[(\d*)([A-Za-z])|\r|\n|[^\x1b\r\n]+/g)) {
    if (token === '\n') {
      row += 1;
      column = 0;
    } else if (token === '\r') {
      column = 0;
    } else if (command === 'A') {
      row = Math.max(0, row - Number(count || 1));
    } else if (command === 'B') {
      row += Number(count || 1);
    } else if (command === 'K') {
      lines[row] = count === '2' ? '' : (lines[row] ?? '').slice(0, column);
    } else if (command === undefined) {
      const line = (lines[row] ?? '').padEnd(column);
      lines[row] = line.slice(0, column) + token + line.slice(column + token.length);
      column += token.length;
    }
    while (lines.length <= row) lines.push('');
  }
  return lines.map((line) => line.trimEnd()).join('\n');
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  alice = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo","from alice"]\n' });
  bob = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo","from bob"]\n' });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('the class registry', () => {
  it('takes a push and gives the image back after it is removed locally', async () => {
    await alice.ok('docker build -t app .');
    await alice.ok('docker tag app localhost:5000/app:v1');
    const pushed = await alice.run('docker push localhost:5000/app:v1');
    expect(pushed.exitCode, pushed.output).toBe(0);
    expect(pushed.output).toMatch(/^The push refers to repository \[localhost:5000\/app\]$/m);
    expect(screen(pushed.output)).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    expect(pushed.output).not.toContain(namespaceOf(alice));

    expect((await alice.run('docker rmi localhost:5000/app:v1 app')).exitCode).toBe(0);
    const pulled = await alice.run('docker pull localhost:5000/app:v1');
    expect(pulled.exitCode, pulled.output).toBe(0);
    expect(pulled.output).toMatch(/^Status: Downloaded newer image for localhost:5000\/app:v1$/m);
    expect((await alice.run('docker images')).output).toMatch(/^localhost:5000\/app\s+v1\s/m);
    expect(await alice.run('docker run --rm localhost:5000/app:v1')).toEqual({ output: 'from alice\n', exitCode: 0 });
  });

  it('keeps each session to its own repositories', async () => {
    const missing = await bob.run('docker pull localhost:5000/app:v1');
    expect(missing.exitCode).toBe(1);
    expect(missing.output).toMatch(/^Error response from daemon: manifest for localhost:5000\/app:v1 not found/m);

    await bob.ok('docker build -t localhost:5000/app:v1 .');
    expect((await bob.run('docker push localhost:5000/app:v1')).exitCode).toBe(0);
    // Alice's repository is untouched by Bob's push of the same name.
    await alice.ok('docker rmi localhost:5000/app:v1');
    await alice.ok('docker pull localhost:5000/app:v1');
    expect((await alice.run('docker run --rm localhost:5000/app:v1')).output).toBe('from alice\n');
    expect(await manifestDigest(`${namespaceOf(alice)}/app`, 'v1')).not.toBe(await manifestDigest(`${namespaceOf(bob)}/app`, 'v1'));
  });

  it('shows no namespace when the engine mounts a layer from another session\'s repository', async () => {
    const carol = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo","from alice"]\n' });
    await carol.ok('docker build -t localhost:5000/copy:v1 .');
    const pushed = await carol.run('docker push localhost:5000/copy:v1');
    expect(pushed.exitCode, pushed.output).toBe(0);
    // Alice pushed the same layers first; the engine reuses them and would say from whose repository.
    expect(screen(pushed.output)).toMatch(/^[0-9a-f]{12}: Layer already exists$/m);
    expect(pushed.output).not.toMatch(/Mounted from/);
    for (const learner of [alice, bob, carol]) expect(pushed.output).not.toContain(namespaceOf(learner));
    await carol.ok('docker rmi localhost:5000/copy:v1');
    const pulled = await carol.run('docker pull localhost:5000/copy:v1');
    expect(pulled.exitCode, pulled.output).toBe(0);
    expect(pulled.output).not.toContain(namespaceOf(carol));
  });

  it('answers nothing without the server\'s login, so a URL the engine fetches gets 401', async () => {
    const port = registryPort();
    expect((await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).status).toBe(401);
    // Past the Dockerfile review, as a bug in it would let through: the engine itself fetches.
    const built = await buildOnEngine(sandbox.server.context.docker, `FROM busybox\nADD http://127.0.0.1:${port}/v2/_catalog /catalog\n`);
    expect(built.error).toMatch(/401 Unauthorized/);
  });

  it('refuses other registries and Docker Hub with a sentence', async () => {
    const hub = await alice.run('docker push app');
    expect(hub.exitCode).toBe(1);
    expect(hub.output).toMatch(/can't push to Docker Hub; push to the class registry instead: docker tag app localhost:5000\/app/);
    const other = await alice.run('docker pull quay.io/someone/app');
    expect(other.exitCode).toBe(1);
    expect(other.output).toMatch(/this sandbox reaches one registry, localhost:5000, not quay.io/);
    const notLocal = await alice.run('docker push localhost:5000/nothing');
    expect(notLocal.exitCode).toBe(1);
    expect(notLocal.output).toMatch(/An image does not exist locally with the tag: localhost:5000\/nothing/);
  });

  it('answers the pushed check from the registry itself', async () => {
    const session = sandbox.server.context.store.get(alice.sessionId)!;
    const checks = [
      Check.parse({ kind: 'pushed', title: 'pushed v1', image: 'localhost:5000/app:v1' }),
      Check.parse({ kind: 'pushed', title: 'pushed v2', image: 'localhost:5000/app:v2' }),
    ];
    const results = await evaluateChecks(checks, { session, engine: sandbox.server.context.engineFor(session) });
    expect(results.map((result) => result.reason)).toEqual([
      undefined,
      'The registry has no localhost:5000/app:v2 yet; push it with docker push localhost:5000/app:v2.',
    ]);
  });

  it('deletes a session\'s repositories when the session ends', async () => {
    const namespace = namespaceOf(bob);
    expect(await manifestDigest(`${namespace}/app`, 'v1')).toBeDefined();
    const session = sandbox.server.context.store.get(bob.sessionId)!;
    sandbox.server.context.store.delete(session);
    await sandbox.server.reaper.sweep();
    expect(await manifestDigest(`${namespace}/app`, 'v1')).toBeUndefined();
  });
});
