import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { namespaceOf } from '../../sandbox-server/scope/namespace.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { isEmpty, objectsOf } from '../support/engine.ts';
import { plain } from '../support/terminal-text.ts';

/** Workbenches started ahead of learners: a new session takes one, and its first prompt is already drawn. */

const docker = connectEngine();
let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox({ LAYERLAB_WARM_WORKBENCHES: '1' });
  await sandbox.server.context.warmPool.filled();
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
});

describe('the warm pool', () => {
  it('gives a new session a running workbench, with the lesson files put in it, and fills up again', async () => {
    const pool = sandbox.server.context.warmPool;
    expect(pool.size).toBe(1);
    const learner = await sandbox.newLearner({ 'hello.txt': 'from the editor\n' });
    const session = sandbox.server.context.store.get(learner.sessionId)!;
    // The session's namespace is the pool's, not the one its ID would give.
    expect(session.record.namespace).not.toBe(namespaceOf(learner.sessionId));
    expect((await objectsOf(docker, session.record.namespace)).workbench).toEqual([`container llw-${session.record.namespace}`, `volume llw-${session.record.namespace}`]);
    const terminal = await learner.tty();
    await terminal.waitFor('$ ');
    // A button's command (typed only at a prompt the server has seen) runs on a warm shell too.
    terminal.exec('cat hello.txt');
    expect(await terminal.waitForCommandEnd('cat hello.txt')).toBe(0);
    expect(plain(terminal.screen)).toContain('\nfrom the editor\n');
    terminal.close();
    await pool.filled();
    expect(pool.size).toBe(1);
  });

  it("is not taken for orphans by the reaper, and goes with a server that won't come back", async () => {
    const pool = sandbox.server.context.warmPool;
    await pool.filled();
    const waiting = [...(await docker.listContainers({ all: true, filters: { label: [`org.layerlab.instance=${sandbox.config.instance}`] } }))]
      .map((container) => container.Labels['org.layerlab.session']!)
      .filter((namespace) => pool.holds(namespace));
    expect(waiting).toHaveLength(1);
    await sandbox.server.reaper.sweep();
    expect(pool.holds(waiting[0]!)).toBe(true);
    expect((await objectsOf(docker, waiting[0]!)).workbench).toHaveLength(2);
    await pool.drain();
    expect(await objectsOf(docker, waiting[0]!)).toSatisfy(isEmpty);
  });
});
