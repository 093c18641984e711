import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { namespaceOf } from '../../sandbox-server/scope/namespace.ts';
import { WORKBENCH_IMAGE } from '../../sandbox-server/workbench/image.ts';
import { Browser, startBalancer, type Balancer } from '../support/balancer.ts';
import { isEmpty, objectsOf } from '../support/engine.ts';
import { freePort } from '../support/ports.ts';
import { Learner, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { startSecondEngine, type SecondEngine } from '../support/second-engine.ts';

/**
 * Two hosts as a class outgrowing one machine would have them, on one machine: two Docker
 * Engines (separate data roots, exec roots, sockets; the second without a bridge or iptables of
 * its own), a Layerlab server on each, and HAProxy in front. A learner's objects live on their
 * host's engine only; when a host dies mid-lesson (its engine killed, its server gone) the
 * learner's page reopens the session on the other host with the browser's files.
 */

let engineB: SecondEngine;
let a: TestSandbox;
let b: TestSandbox;
let balancer: Balancer;
const primary = connectEngine();
const dockerfile = 'FROM busybox\nCMD ["echo", "built where it lives"]\n';

beforeAll(async () => {
  engineB = await startSecondEngine('b', [`${WORKBENCH_IMAGE.repository}:${WORKBENCH_IMAGE.tags[0]}`, 'busybox:latest']);
  const [agentA, agentB] = [await freePort(), await freePort()];
  const common = { LAYERLAB_SESSIONS_PER_ADDRESS: '1000' };
  a = await startTestSandbox({ ...common, LAYERLAB_AGENT_PORT: String(agentA) });
  // Its own subnets (two engines' bridges must not share a route) and no package cache (the
  // machine's is on the first engine's network).
  b = await startTestSandbox({ ...common, LAYERLAB_AGENT_PORT: String(agentB), LAYERLAB_NETWORK_POOL: '10.210.0.0/16', LAYERLAB_PACKAGE_CACHE: 'off' }, { docker: engineB.docker });
  balancer = await startBalancer({
    hosts: [
      { name: 'a', address: new URL(a.url).host, agentPort: agentA },
      { name: 'b', address: new URL(b.url).host, agentPort: agentB },
    ],
  });
}, 180_000);

afterAll(async () => {
  balancer?.close();
  await a?.close();
  await b?.close().catch(() => undefined);
  await engineB?.remove();
  if (!hostHasDocker0()) throw new Error("the second engine took the host's docker0 with it");
}, 120_000);

/** A browser with a session on `host`, and its lines terminal through the balancer. */
async function learnerOn(host: string): Promise<{ browser: Browser; learner: Learner }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const browser = new Browser(balancer.url);
    await browser.request('POST', '/api/session', { files: { Dockerfile: dockerfile } });
    if (browser.lastHost === host) return { browser, learner: Learner.resume(balancer.url, browser.cookie) };
  }
  throw new Error(`no browser landed on ${host}`);
}

const hostHasDocker0 = () => spawnSync('ip', ['link', 'show', 'docker0'], { stdio: 'ignore' }).status === 0;

describe('two hosts, two engines, one balancer', () => {
  it("leaves the first engine's default bridge alone (dockerd --bridge none deletes the host's docker0)", () => {
    expect(hostHasDocker0()).toBe(true);
  });

  let onA: Awaited<ReturnType<typeof learnerOn>>;
  let onB: Awaited<ReturnType<typeof learnerOn>>;

  it("keeps each learner's images and containers on their own host's engine", async () => {
    onA = await learnerOn('a');
    onB = await learnerOn('b');
    for (const { learner } of [onA, onB]) {
      await learner.ok('docker build -t mine .');
      await learner.ok('docker run -d --name keeper busybox sleep 600');
      expect(await learner.run('docker run --rm mine')).toEqual({ output: 'built where it lives\n', exitCode: 0 });
    }
    const namespace = (on: typeof onA) => namespaceOf(on.browser.cookies.get('layerlab_session')!);
    const [aOnA, aOnB, bOnB, bOnA] = await Promise.all([
      objectsOf(primary, namespace(onA)),
      objectsOf(engineB.docker, namespace(onA)),
      objectsOf(engineB.docker, namespace(onB)),
      objectsOf(primary, namespace(onB)),
    ]);
    for (const own of [aOnA, bOnB]) {
      expect(own.imageTags.some((tag) => tag.endsWith('/mine:latest'))).toBe(true);
      expect(own.containers.map((container) => container.Names[0])).toEqual([expect.stringMatching(/keeper$/)]);
      expect(own.workbench.length).toBeGreaterThan(0);
    }
    expect(isEmpty(aOnB)).toBe(true);
    expect(isEmpty(bOnA)).toBe(true);
  });

  it('moves a learner whose host died mid-lesson to the other host, workspace intact', async () => {
    const { browser, learner } = onB;
    await learner.ok('printf "kept in the browser\\n" > notes.txt');
    // The page's copy of the workspace, as the editor keeps it (the workbench's change came back to it).
    const workspace = (await browser.request('GET', '/api/workspace')).body.files as Record<string, string>;
    expect(workspace).toEqual({ Dockerfile: dockerfile, 'notes.txt': 'kept in the browser\n' });
    // Mid-command: the host's engine dies, and its server with it.
    const running = learner.run('sleep 60').catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    engineB.kill();
    await b.crash();
    // The terminal learns it at once: its socket is gone (the page then reconnects, and reopens the session).
    expect(String(await running)).toMatch(/^Error: the terminal's socket closed \(\d+\) before "sleep 60" finished/);
    learner.disconnect();

    await browser.waitForHost('a');
    expect((await browser.request('GET', '/api/session')).status).toBe(401);
    const reopened = await browser.request('POST', '/api/session', { files: workspace });
    expect(reopened).toMatchObject({ status: 200, body: { created: true, files: workspace } });
    expect(browser.lastHost).toBe('a');
    const moved = Learner.resume(balancer.url, browser.cookie);
    try {
      expect(await moved.ok('cat notes.txt')).toBe('kept in the browser\n');
      // What the page's sentence says is gone: the images and containers of the old host.
      expect(await moved.ok('docker images -q mine')).toBe('');
      expect(await moved.ok('docker ps -aq')).toBe('');
    } finally {
      moved.disconnect();
    }
    // The other host's learner never noticed.
    expect(await onA.learner.ok('docker ps --format "{{.Names}}"')).toBe('keeper\n');
  });
});
