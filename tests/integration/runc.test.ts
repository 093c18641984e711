import { describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { checkRuncFixed } from '../../sandbox-server/engine/runc-check.ts';
import { prepareEngine } from '../../sandbox-server/engine/prepare.ts';
import { serverConfigFromEnv } from '../../sandbox-server/config/server.ts';

/** The engine under the sandbox has the Leaky Vessels fix, and start-up checks for it. */
describe('runc', () => {
  it('refuses every probe container a working directory in a leaked descriptor', async () => {
    const version = await checkRuncFixed(connectEngine(), 'busybox:latest');
    expect(version).toMatch(/\d+\.\d+\.\d+/);
  });

  it('is checked by the start-up every server goes through', async () => {
    const said: string[] = [];
    await prepareEngine(serverConfigFromEnv({ ...process.env, LAYERLAB_INSTANCE: `t${process.pid}-runc` }), (line) => said.push(line));
    expect(said.some((line) => /^runc .+ keeps containers out of the host's filesystem \(CVE-2024-21626 fixed\)$/.test(line))).toBe(true);
  });
});
