import { afterEach, beforeEach } from 'vitest';
import type { TestSandbox } from './sandbox.ts';

/**
 * Ends the sessions each test opened once it is done, and removes their engine objects. Every
 * session that pulls, builds or runs gets its own network, and the engine's default address pools
 * hold only about thirty, so a file of many small tests would otherwise use them up while other
 * files run beside it on the same engine. Sessions opened in a beforeAll stay until the file ends.
 */
export function endSessionsAfterEachTest(getSandbox: () => TestSandbox | undefined): void {
  let before = new Set<string>();
  beforeEach(() => {
    before = new Set(getSandbox()?.server.context.store.all().map((session) => session.id) ?? []);
  });
  afterEach(async () => {
    const sandbox = getSandbox();
    if (!sandbox) return;
    const store = sandbox.server.context.store;
    const opened = store.all().filter((session) => !before.has(session.id));
    for (const session of opened) store.delete(session);
    if (opened.length > 0) await sandbox.server.reaper.sweep();
  });
}
