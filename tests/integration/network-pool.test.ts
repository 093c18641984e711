import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  // Forty learners from this one address, as a class behind one NAT would be.
  sandbox = await startTestSandbox({ LAYERLAB_NETWORK_POOL: '10.201.0.0/16', LAYERLAB_SESSIONS_PER_ADDRESS: '100' });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('session networks', () => {
  // The engine's own default pools hold about 30 networks; a class is bigger than that.
  it('fit more sessions than the engine\'s default address pools would', async () => {
    const learners = await Promise.all(Array.from({ length: 40 }, () => sandbox.newLearner()));
    for (const learner of learners) {
      const pulled = await learner.run('docker pull -q busybox');
      expect(pulled.exitCode, pulled.output).toBe(0);
    }
    const docker = sandbox.server.context.docker;
    const networks = await docker.listNetworks({ filters: { label: [`org.layerlab.instance=${sandbox.config.instance}`] } });
    expect(networks).toHaveLength(40);
    const subnets = networks.map((network) => network.IPAM?.Config?.[0]?.Subnet ?? '');
    expect(new Set(subnets).size).toBe(40);
    for (const subnet of subnets) expect(subnet).toMatch(/^10\.201\.\d+\.\d+\/28$/);
  });
});
