import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

describe('a learner session', () => {
  it('builds, runs and lists an image', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo","hello from layerlab"]\n' });
    const build = await learner.run('docker build -t hello .');
    expect(build.exitCode).toBe(0);
    expect(build.output).toMatch(/Step 1\/2 : FROM busybox/);
    expect(build.output).toMatch(/Successfully tagged hello:latest/);
    expect(build.output).not.toMatch(/ll-[0-9a-f]{16}/);
    const run = await learner.run('docker run --rm hello');
    expect(run).toEqual({ output: 'hello from layerlab\n', exitCode: 0 });
    const images = await learner.run('docker images');
    expect(images.output).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
    expect(images.output).toMatch(/^hello\s+latest\s+[0-9a-f]{12}\s/m);
  });
});
