import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { createLogger } from '../../sandbox-server/log.ts';
import { Reaper } from '../../sandbox-server/sessions/reaper.ts';
import { SessionStore } from '../../sandbox-server/sessions/store.ts';
import { E2E_INSTANCE } from './instance.ts';

/**
 * Every browser test opens its own sandbox session, and a session keeps a network, images and
 * containers for up to half an hour. On an engine other work shares, remove them when the run ends:
 * a reaper that knows no live session of the e2e instance treats all of its objects as orphans.
 */
export default async function globalTeardown(): Promise<void> {
  const emptyState = mkdtempSync(path.join(os.tmpdir(), 'layerlab-e2e-teardown-'));
  try {
    const store = new SessionStore({ stateDir: emptyState, policy: policyFromEnv(), instance: E2E_INSTANCE });
    const reaper = new Reaper({ docker: connectEngine(), store, instance: E2E_INSTANCE, log: createLogger('silent') });
    await reaper.sweep();
  } finally {
    rmSync(emptyState, { recursive: true, force: true });
  }
}
