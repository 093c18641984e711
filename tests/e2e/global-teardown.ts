import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { removeInstance } from '../../sandbox-server/sessions/teardown.ts';
import { E2E_INSTANCE } from './instance.ts';

/**
 * Every browser test opens its own sandbox session, and a session keeps a network, images and
 * containers for up to half an hour. On an engine other work shares, remove them when the run ends.
 */
export default async function globalTeardown(): Promise<void> {
  await removeInstance(connectEngine(), E2E_INSTANCE);
}
