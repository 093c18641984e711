import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { findCatalogueImage, type StandInImage } from '../../sandbox-server/images/catalogue.ts';
import { ensureCatalogue, ensureCatalogueImage } from '../../sandbox-server/images/ensure.ts';
import { layerlabCacheDir } from '../../sandbox-server/images/cache-dir.ts';
import { buildStandIn, STAND_IN_LABELS } from '../../sandbox-server/images/stand-ins.ts';
import { recipeHash } from '../../sandbox-server/images/recipe-hash.ts';

/*
 * The redis stand-in, prepared on first use: made by a learner's first need of it, shaped like the
 * official image (other containers reach it on 6379), and refused when its tag would lie.
 */

const docker = connectEngine();
const instance = process.env.LAYERLAB_INSTANCE ?? `test-${process.pid}`;
const label = { 'org.layerlab.test': `catalogue-redis-${instance}` };
const progress: string[] = [];
let firstUseSeconds = 0;

beforeAll(async () => {
  await ensureCatalogue(docker, { only: ['debian:bookworm-slim'] });
  // Prove the first-use path, not a leftover: untag the image first (a container still using it
  // keeps its layers, and the build is then quicker, but it still runs).
  for (const reference of ['redis:7.0', 'redis:7.0-bookworm']) await docker.getImage(reference).remove().catch(() => {});
  const started = performance.now();
  await ensureCatalogueImage(docker, 'redis:7.0', (line) => progress.push(line));
  firstUseSeconds = (performance.now() - started) / 1000;
}, 600_000);

afterAll(async () => {
  const containers = await docker.listContainers({ all: true, filters: { label: [`org.layerlab.test=${label['org.layerlab.test']}`] } });
  await Promise.all(containers.map((container) => docker.getContainer(container.Id).remove({ force: true }).catch(() => {})));
  const networks = await docker.listNetworks({ filters: { label: [`org.layerlab.test=${label['org.layerlab.test']}`] } });
  await Promise.all(networks.map((network) => docker.getNetwork(network.Id).remove().catch(() => {})));
});

describe('the redis:7.0 stand-in', () => {
  it('is built on first use, saying so before and after, and is then present', async () => {
    expect(progress[0]).toBe(
      'redis:7.0 is not built yet: building it now from its recipe (debootstrap bookworm + redis-server); this takes a minute or two, once',
    );
    expect(progress.at(-1)).toMatch(/^redis:7\.0 is ready \(\d+ s\)$/);
    const info = await docker.getImage('redis:7.0').inspect();
    expect((await docker.getImage('redis:7.0-bookworm').inspect()).Id).toBe(info.Id);
    expect(info.Config.Labels?.[STAND_IN_LABELS.version]).toMatch(/^7\.0\.\d+$/);
    expect(info.Config.Labels?.[STAND_IN_LABELS.recipe]).toBe(recipeHash(findCatalogueImage('redis', '7.0')!));
    console.log(`redis:7.0 made on first use in ${firstUseSeconds.toFixed(1)} s`);

    const again: string[] = [];
    await ensureCatalogueImage(docker, 'redis:7.0', (line) => again.push(line));
    expect(again).toEqual([]);
  });

  it('is configured like the official image', async () => {
    const { Config } = await docker.getImage('redis:7.0').inspect();
    expect(Config.Cmd).toEqual(['redis-server']);
    expect(Config.Entrypoint).toEqual(['docker-entrypoint.sh']);
    expect(Config.User).toBe('redis');
    expect(Config.WorkingDir).toBe('/data');
    expect(Object.keys(Config.ExposedPorts ?? {})).toEqual(['6379/tcp']);
    expect(Object.keys(Config.Volumes ?? {})).toEqual(['/data']);
  });

  it('answers PING from another container on the network, by name', async () => {
    const network = await docker.createNetwork({ Name: `layerlab-test-redis-${instance}`, Labels: label });
    const server = await docker.createContainer({
      Image: 'redis:7.0',
      name: `layerlab-test-redis-${instance}`,
      Labels: label,
      HostConfig: { NetworkMode: network.id, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] },
      NetworkingConfig: { EndpointsConfig: { [network.id]: { Aliases: ['redis'] } } },
    });
    await server.start();
    const script = 'for i in $(seq 1 20); do redis-cli -h redis ping && exit 0; sleep 0.25; done; exit 1';
    const client = await docker.createContainer({
      Image: 'redis:7.0',
      Entrypoint: ['sh', '-c', script],
      Labels: label,
      HostConfig: { NetworkMode: network.id },
    });
    await client.start();
    const { StatusCode } = (await client.wait()) as { StatusCode: number };
    const output = (await client.logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
    expect(StatusCode, output).toBe(0);
    // Protected mode would answer a client from another address with a DENIED error instead.
    expect(output).toContain('PONG');
    const logs = (await server.logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
    expect(logs).toContain('Ready to accept connections');
    expect((await server.inspect()).State.Running).toBe(true);
  });

  it('is refused when its tag states a version the image does not contain', async () => {
    const redis = findCatalogueImage('redis', '7.0') as StandInImage;
    const liar: StandInImage = { ...redis, repository: `layerlab-test-liar-${instance}`, tags: ['6.2'], standIn: { ...redis.standIn, claims: '6.2' } };
    await expect(buildStandIn(docker, liar, { cacheDir: layerlabCacheDir(), fresh: false })).rejects.toThrow(
      /^the image contains redis 7\.0\.\d+, not 6\.2 as its tags state$/,
    );
    await expect(docker.getImage(`layerlab-test-liar-${instance}:6.2`).inspect()).rejects.toThrow();
  });
});
