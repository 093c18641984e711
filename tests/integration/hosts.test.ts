import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_COOKIE } from '../../sandbox-server/hosts/haproxy-config.ts';
import { setDraining } from '../../sandbox-server/hosts/host-load.ts';
import { Browser, sleep, startBalancer, type Balancer } from '../support/balancer.ts';
import { freePort } from '../support/ports.ts';
import { Learner, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/**
 * Two Layerlab hosts behind HAProxy (Debian's haproxy), with the configuration
 * `layerlab hosts haproxy` writes: a browser is pinned to one host by HAProxy's cookie, the
 * terminal WebSocket included; a draining host keeps its browsers and gets no new ones; a host
 * that went away gives its browsers to the other, where the session reopens with the browser's files.
 */


let a: TestSandbox;
let b: TestSandbox;
let balancer: Balancer | undefined;
let url: string;

beforeAll(async () => {
  const [agentA, agentB] = [await freePort(), await freePort()];
  // Every browser here comes from 127.0.0.1, so the per-address cap is lifted; the hosts believe
  // the one hop in front of them, HAProxy, for a client's address, as docs/deploying.md sets them.
  const env = { LAYERLAB_SESSIONS_PER_ADDRESS: '1000', LAYERLAB_TRUST_PROXY: '1' };
  a = await startTestSandbox({ ...env, LAYERLAB_AGENT_PORT: String(agentA) });
  b = await startTestSandbox({ ...env, LAYERLAB_AGENT_PORT: String(agentB) });
  balancer = await startBalancer({
    previewDomain: 'previews.example.net',
    hosts: [
      { name: 'a', address: new URL(a.url).host, agentPort: agentA },
      { name: 'b', address: new URL(b.url).host, agentPort: agentB },
    ],
  });
  url = balancer.url;
}, 60_000);

afterAll(async () => {
  balancer?.close();
  await a?.close().catch(() => undefined);
  await b?.close();
});

describe('several hosts behind HAProxy', () => {
  const browsers: Browser[] = [];

  it('spreads new browsers over both hosts and keeps each on its own, a session on one host only', async () => {
    for (let index = 0; index < 20; index++) {
      const browser = new Browser(url);
      const opened = await browser.request('POST', '/api/session', { files: { Dockerfile: `FROM busybox\n# learner ${index}\n` } });
      expect(opened.status).toBe(200);
      // HAProxy's pin: the host's name, and the times maxidle and maxlife are counted from.
      expect(browser.cookies.get(ROUTE_COOKIE)).toMatch(new RegExp(`^${browser.lastHost}\\|`));
      browsers.push(browser);
    }
    const hosts = browsers.map((browser) => browser.lastHost);
    expect(new Set(hosts)).toEqual(new Set(['a', 'b']));
    for (const [index, browser] of browsers.entries()) {
      for (let again = 0; again < 3; again++) {
        const session = await browser.request('GET', '/api/session');
        expect(session.status).toBe(200);
        expect(browser.lastHost).toBe(hosts[index]);
        expect(session.body.files.Dockerfile).toBe(`FROM busybox\n# learner ${index}\n`);
      }
      const id = browser.cookies.get('layerlab_session');
      const [own, other] = browser.lastHost === 'a' ? [a, b] : [b, a];
      expect(own.server.context.store.get(id)).toBeDefined();
      expect(other.server.context.store.get(id)).toBeUndefined();
    }
  });

  it("sends a host's preview names to that host, whatever the browser's pin", async () => {
    const hostOf = (host: string) =>
      new Promise<string | undefined>((resolve, reject) => {
        const target = new URL(url);
        http
          .get({ host: target.hostname, port: target.port, path: '/', headers: { host } }, (response) => {
            response.resume();
            resolve(response.headers['x-layerlab-host'] as string | undefined);
          })
          .on('error', reject);
      });
    for (let index = 0; index < 6; index++) {
      expect(await hostOf(`p-${'0'.repeat(32)}-8080.b.previews.example.net`)).toBe('b');
      expect(await hostOf(`p-${'0'.repeat(32)}-8080.a.previews.example.net:80`)).toBe('a');
    }
  });

  it("takes a client's address from HAProxy, never from what the client wrote", async () => {
    const response = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { origin: url, 'content-type': 'application/json', 'x-forwarded-for': '10.9.9.9' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    const id = response.headers.getSetCookie().find((line) => line.startsWith('layerlab_session='))!.split(';')[0]!.split('=')[1];
    const host = response.headers.get('x-layerlab-host') === 'a' ? a : b;
    expect(host.server.context.store.get(id)?.record.address).toBe('127.0.0.1');
  });

  it('carries the terminal WebSocket to the browser\'s host', async () => {
    const browser = browsers.find((candidate) => candidate.lastHost === 'b')!;
    const learner = Learner.resume(url, browser.cookie);
    try {
      expect(await learner.run('echo "through the balancer"; hostname -s >/dev/null')).toEqual({ output: 'through the balancer\n', exitCode: 0 });
      const id = browser.cookies.get('layerlab_session')!;
      expect(b.server.context.store.get(id)?.record.terminalOpenedAt).toBeDefined();
    } finally {
      learner.disconnect();
    }
  });

  it('sends new browsers away from a draining host, and keeps the ones it has', async () => {
    setDraining(a.config.stateDir, true);
    try {
      const health = await (await fetch(`${a.url}/api/health`)).json();
      expect(health).toMatchObject({ ok: true, state: 'draining' });
      // HAProxy asks the agent every 2 s.
      await sleep(5000);
      for (let index = 0; index < 10; index++) {
        const browser = new Browser(url);
        const opened = await browser.request('POST', '/api/session', {});
        expect(opened).toMatchObject({ status: 200 });
        expect(browser.lastHost).toBe('b');
      }
      for (const browser of browsers.filter((candidate) => candidate.lastHost === 'a')) {
        expect((await browser.request('GET', '/api/session')).status).toBe(200);
        expect(browser.lastHost).toBe('a');
      }
      // With every host draining (or full), a new browser reads why, and the pinned ones go on.
      setDraining(b.config.stateDir, true);
      await sleep(5000);
      const turnedAway = await new Browser(url).request('GET', '/');
      expect(turnedAway.status).toBe(503);
      expect(turnedAway.body).toContain('Every host of this course is full or restarting. Try again in a few minutes; your work is kept in this browser.');
      for (const browser of browsers.slice(0, 4)) expect((await browser.request('GET', '/api/session')).status).toBe(200);
    } finally {
      setDraining(a.config.stateDir, false);
      setDraining(b.config.stateDir, false);
      await sleep(5000);
    }
  }, 60_000);

  it('moves the browsers of a host that went away to the other, where the page reopens the session with its files', async () => {
    const stranded = browsers.filter((browser) => browser.lastHost === 'a');
    expect(stranded.length).toBeGreaterThan(0);
    await a.close();
    // Until HAProxy's health checks mark the host down (two failed checks, 2 s apart) a request
    // for it fails, as a page's would while its terminal reconnects.
    await stranded[0]!.waitForHost('b');
    for (const browser of stranded) {
      const index = browsers.indexOf(browser);
      // The page asks for its session, hears it is unknown, and reopens it with the browser's copy (src/client/session.ts).
      const lost = await browser.request('GET', '/api/session');
      expect(browser.lastHost).toBe('b');
      expect(lost.status).toBe(401);
      const reopened = await browser.request('POST', '/api/session', { files: { Dockerfile: `FROM busybox\n# learner ${index}\n` } });
      expect(reopened.status).toBe(200);
      expect(reopened.body.created).toBe(true);
      expect(browser.lastHost).toBe('b');
      expect((await browser.request('GET', '/api/session')).body.files.Dockerfile).toBe(`FROM busybox\n# learner ${index}\n`);
    }
  }, 60_000);
});
