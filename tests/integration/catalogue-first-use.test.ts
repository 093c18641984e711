import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/*
 * A catalogue image prepared on first use (redis:7.0), reached the way a learner reaches it: a
 * build FROM it and a docker pull in a session both make it, with a line saying so, and go on.
 */

const docker = connectEngine();
let sandbox: TestSandbox;

async function untagRedis(): Promise<void> {
  // Only the catalogue's global tags: a session's copy (or a container) keeps the layers, and then
  // the rebuild is quick, but it runs through the same path.
  for (const reference of ['redis:7.0', 'redis:7.0-bookworm']) await docker.getImage(reference).remove().catch(() => {});
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
});

describe('an image the catalogue makes on first use', () => {
  it('is built for a learner\'s first build FROM it, which waits with a line saying so and then builds', async () => {
    await untagRedis();
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM redis:7.0\nCMD ["redis-server", "--port", "6380"]\n' });
    const { output, exitCode } = await learner.run('docker build -t cache .', 600_000);
    expect(exitCode, output).toBe(0);
    expect(output).toContain('redis:7.0 is not built yet: building it now from its recipe (debootstrap bookworm + redis-server); this takes a minute or two, once');
    expect(output).toMatch(/redis:7\.0 is ready \(\d+ s\)/);
    expect(output).toContain('Step 1/2 : FROM redis:7.0');
    expect(await learner.ok('docker run --rm cache redis-server --version')).toMatch(/Redis server v=7\.0\.\d+/);
  }, 600_000);

  it('is made for docker pull too, with the same lines as pull status', async () => {
    await untagRedis();
    const learner = await sandbox.newLearner({});
    const { output, exitCode } = await learner.run('docker pull redis:7.0', 600_000);
    expect(exitCode, output).toBe(0);
    expect(output).toContain('redis:7.0 is not built yet: building it now');
    expect(output).toMatch(/redis:7\.0 is ready/);
    expect(output).toContain('Status: Downloaded newer image for redis:7.0');
    expect((await docker.getImage('redis:7.0').inspect()).Config.Labels?.['org.layerlab.stand-in']).toBe('true');
  }, 600_000);
});
