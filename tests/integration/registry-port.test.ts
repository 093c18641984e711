import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestDigest } from '../../sandbox-server/registry/client.ts';
import { ensureRegistry } from '../../sandbox-server/registry/process.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/**
 * An operator may move the class registry to another port; learners, and the lessons written for
 * them, still call it localhost:5000. (Vitest runs each file in its own process, so the port set
 * here is this file's alone.)
 */

const PORT = '5002';
const directory = mkdtempSync(path.join(os.tmpdir(), 'layerlab-registry-'));
let sandbox: TestSandbox;

beforeAll(async () => {
  process.env.LAYERLAB_REGISTRY_PORT = PORT;
  process.env.LAYERLAB_REGISTRY_DIR = directory;
  await ensureRegistry({ logDir: directory, log: () => undefined });
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
  stopRegistriesIn(directory);
  rmSync(directory, { recursive: true, force: true });
});

describe('a class registry on another port', () => {
  it('is still localhost:5000 to the learner, in every line', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo","moved"]\n' });
    await learner.ok('docker build -t localhost:5000/app:v1 .');
    const pushed = await learner.run('docker push localhost:5000/app:v1');
    expect(pushed.exitCode, pushed.output).toBe(0);
    expect(pushed.output).toMatch(/^The push refers to repository \[localhost:5000\/app\]$/m);
    expect(pushed.output).not.toContain(`:${PORT}`);
    await learner.ok('docker rmi localhost:5000/app:v1');
    const pulled = await learner.run('docker pull localhost:5000/app:v1');
    expect(pulled.output).toMatch(/^Status: Downloaded newer image for localhost:5000\/app:v1$/m);
    expect(pulled.output).not.toContain(`:${PORT}`);
    expect((await learner.run('docker images')).output).toMatch(/^localhost:5000\/app\s+v1\s/m);
    const namespace = sandbox.server.context.store.get(learner.sessionId)!.namespace.id;
    expect(await manifestDigest(`${namespace}/app`, 'v1')).toBeDefined();
    // The real port is another registry as far as the learner is concerned.
    const direct = await learner.run(`docker push localhost:${PORT}/app:v1`);
    expect(direct.output).toMatch(/this sandbox reaches one registry, localhost:5000, not localhost:5002/);
  });

  it('proves the registry lesson with its own solution', () => {
    const result = spawnSync(process.execPath, ['bin/layerlab.js', 'lessons', 'check', '11-sharing-images-with-a-registry'], {
      encoding: 'utf8',
      env: { ...process.env, LAYERLAB_INSTANCE: `t${process.pid}-registry-port` },
      timeout: 240_000,
    });
    // It must also end: a proof that never exits (something left open) fails here as a timeout.
    expect(result.status, `${result.error ? `${result.error.message}\n` : ''}${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/✓ 11-sharing-images-with-a-registry/);
  });
});

/** The registries this test started: docker-registry processes serving a config in `folder`. */
function stopRegistriesIn(folder: string): void {
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (path.basename(args[0] ?? '') === 'docker-registry' && args[2]?.startsWith(folder)) process.kill(Number(entry), 'SIGTERM');
    } catch {
      // gone already
    }
  }
}
