import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PanelSnapshot } from '../../sandbox-server/scope/engine-snapshot.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

/**
 * The engine panel's stream and actions on the real engine: it follows a learner's run, stop and
 * removal, says why a container stopped, and never shows or touches another session's objects
 * or the workbench.
 */

let sandbox: TestSandbox;
let a: Learner;
let b: Learner;

/** The panel's event stream as the browser's EventSource reads it, snapshot by snapshot. */
class PanelStream {
  readonly snapshots: PanelSnapshot[] = [];
  readonly #abort = new AbortController();
  #waiters: (() => void)[] = [];

  static async open(learner: Learner): Promise<PanelStream> {
    const stream = new PanelStream();
    const response = await fetch(`${learner.url}/api/engine/events`, { headers: { cookie: learner.cookie }, signal: stream.#abort.signal });
    expect(response.status).toBe(200);
    void stream.#read(response.body!);
    return stream;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      const reader = body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        pending += decoder.decode(read.value, { stream: true });
        for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
          const message = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const data = message.split('\n').find((line) => line.startsWith('data: '));
          if (message.startsWith('event: snapshot') && data) {
            this.snapshots.push(JSON.parse(data.slice(6)) as PanelSnapshot);
            for (const wake of this.#waiters.splice(0)) wake();
          }
        }
      }
    } catch {
      // Aborted at the end of the test.
    }
  }

  /** The first snapshot (from now on, or the latest already here) that passes `test`. */
  async until(test: (snapshot: PanelSnapshot) => boolean, what: string, timeoutMs = 30_000): Promise<PanelSnapshot> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const latest = this.snapshots.at(-1);
      if (latest && test(latest)) return latest;
      if (Date.now() > deadline) throw new Error(`the panel never showed ${what}; last snapshot: ${JSON.stringify(latest)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  }

  close(): void {
    this.#abort.abort();
  }
}

function post(learner: Learner, path: string): Promise<Response> {
  return fetch(`${learner.url}${path}`, { method: 'POST', headers: { origin: learner.url, cookie: learner.cookie } });
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  a = await sandbox.newLearner();
  b = await sandbox.newLearner();
  await b.ok('docker pull -q busybox');
  await b.ok('docker run -d --name bsecret busybox sleep 300');
}, 240_000);

afterAll(async () => {
  await sandbox?.close();
});

describe('the engine panel', () => {
  it('follows a run, a stop with its exit code, and a removal, under the image', async () => {
    const panel = await PanelStream.open(a);
    try {
      await panel.until(() => true, 'a first snapshot');
      await a.ok('docker pull -q busybox');
      await a.ok('docker run -d --name web -p 8080:80 busybox sleep 300');
      const running = await panel.until((s) => s.containers.some((c) => c.name === 'web' && c.state === 'running'), 'web running');
      const web = running.containers.find((c) => c.name === 'web')!;
      expect(web.image).toBe('busybox');
      expect(web.ports).toEqual([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
      const image = running.images.find((i) => i.tags.includes('busybox:latest'));
      expect(image?.id).toBe(web.imageId);
      expect(JSON.stringify(running)).not.toMatch(/ll-[0-9a-f]{16}|llw-|bsecret|workbench/);

      expect((await post(a, '/api/engine/containers/web/stop')).status).toBe(200);
      const stopped = await panel.until((s) => s.containers.some((c) => c.name === 'web' && c.state === 'exited'), 'web exited');
      // The sandbox's containers run under an init, so sleep gets the SIGTERM: 128 + 15.
      expect(stopped.containers.find((c) => c.name === 'web')!.exitCode).toBe(143);
      expect(stopped.containers.find((c) => c.name === 'web')!.oomKilled).toBe(false);

      expect((await a.run('docker run --name says busybox sh -c "echo one; echo two; echo three; exit 3"')).exitCode).toBe(3);
      const exited = await panel.until((s) => s.containers.some((c) => c.name === 'says' && c.state === 'exited'), 'says exited');
      expect(exited.containers.find((c) => c.name === 'says')!.exitCode).toBe(3);
      const logs = await fetch(`${a.url}/api/engine/containers/says/logs?lines=2`, { headers: { cookie: a.cookie } });
      expect(await logs.json()).toMatchObject({ name: 'says', text: 'two\nthree\n' });

      expect((await post(a, '/api/engine/containers/web/remove')).status).toBe(200);
      await panel.until((s) => !s.containers.some((c) => c.name === 'web'), 'web gone');
      await a.ok('docker rm says');
      await panel.until((s) => s.containers.length === 0, 'no containers');
    } finally {
      panel.close();
    }
  }, 180_000);

  it('says a container was killed for running out of memory', async () => {
    const panel = await PanelStream.open(a);
    try {
      await a.ok('docker pull -q python:3.11-slim');
      const result = await a.run(`docker run --name hog python:3.11-slim python -c "b = b'x' * (600 << 20)"`);
      expect(result.exitCode).toBe(137);
      const snapshot = await panel.until((s) => s.containers.some((c) => c.name === 'hog' && c.state === 'exited'), 'hog exited');
      expect(snapshot.containers.find((c) => c.name === 'hog')).toMatchObject({ exitCode: 137, oomKilled: true });
    } finally {
      panel.close();
    }
  }, 180_000);

  it("never shows or touches another session's container, nor the workbench", async () => {
    const panel = await PanelStream.open(a);
    try {
      const snapshot = await panel.until(() => true, 'a snapshot');
      expect(snapshot.containers.map((c) => c.name)).not.toContain('bsecret');
      expect(JSON.stringify(snapshot)).not.toMatch(/bsecret|llw-|workbench/);
      const stop = await post(a, '/api/engine/containers/bsecret/stop');
      expect(stop.status).toBe(404);
      expect(((await stop.json()) as { error: string }).error).toBe('No such container: bsecret');
      expect((await post(a, '/api/engine/containers/bsecret/remove')).status).toBe(404);
      expect((await fetch(`${a.url}/api/engine/containers/bsecret/logs`, { headers: { cookie: a.cookie } })).status).toBe(404);
      // The workbench is not a learner's container, whatever its name is guessed to be.
      expect((await post(a, '/api/engine/containers/workbench/stop')).status).toBe(404);
      expect(await b.ok('docker ps --format "{{.Names}} {{.State}}"')).toContain('bsecret running');
      // B's own panel has it.
      const bPanel = await PanelStream.open(b);
      try {
        await bPanel.until((s) => s.containers.some((c) => c.name === 'bsecret'), 'bsecret in B');
      } finally {
        bPanel.close();
      }
    } finally {
      panel.close();
    }
  }, 120_000);

  it('refuses a stream or an action without a session, and a bad name with a sentence', async () => {
    expect((await fetch(`${a.url}/api/engine/events`)).status).toBe(401);
    const bad = await post(a, '/api/engine/containers/..%2Fx/stop');
    expect(bad.status).toBe(400);
    const noOrigin = await fetch(`${a.url}/api/engine/containers/web/stop`, { method: 'POST', headers: { cookie: a.cookie } });
    expect(noOrigin.status).toBe(403);
  });

  it("fans one change out to every open panel of the session, and to no other session's", async () => {
    const panels = await Promise.all([PanelStream.open(a), PanelStream.open(a), PanelStream.open(b)]);
    try {
      await Promise.all(panels.map((panel) => panel.until(() => true, 'a snapshot')));
      await a.ok('docker run --name once busybox true');
      await panels[0]!.until((s) => s.containers.some((c) => c.name === 'once'), 'once');
      await panels[1]!.until((s) => s.containers.some((c) => c.name === 'once'), 'once');
      expect(panels[2]!.snapshots.at(-1)!.containers.map((c) => c.name)).not.toContain('once');
    } finally {
      for (const panel of panels) panel.close();
    }
  }, 60_000);
});
