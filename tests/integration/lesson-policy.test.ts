import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let learner: Learner;
beforeAll(async () => {
  sandbox = await startTestSandbox({ LAYERLAB_LESSONS_DIR: path.resolve('tests/fixtures/policy-lessons') });
  learner = await sandbox.newLearner(undefined, '90-only-busybox');
});
afterAll(async () => {
  await sandbox?.close();
});

describe('a lesson that narrows the sandbox', () => {
  it('allows only its base images, in FROM, run and pull', async () => {
    expect((await learner.run('docker build -t tiny .')).exitCode).toBe(0);
    await learner.setFiles({ Dockerfile: 'FROM nginx:1.22\n' });
    const build = await learner.run('docker build -t web .');
    expect(build.exitCode).toBe(1);
    expect(build.output).toMatch(/FROM nginx:1.22: this image isn't available here; you can build FROM busybox:latest, tiny:latest \(yours\)/);
    const run = await learner.run('docker run --rm nginx true');
    expect(run.exitCode).toBe(125);
    expect(run.output).toMatch(/this lesson can pull only busybox:latest/);
    expect((await learner.run('docker pull busybox')).exitCode).toBe(0);
  });

  it('holds its own running-container limit', async () => {
    expect((await learner.run('docker run -d --name one busybox sleep 300')).exitCode).toBe(0);
    const second = await learner.run('docker run -d --name two busybox sleep 300');
    expect(second.exitCode).toBe(125);
    expect(second.output).toMatch(/1 containers are already running|already running/);
  });
});
