import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClassEvent } from '../../sandbox-server/classes/event-hub.ts';
import { EVENT_CHANNEL, PostgresEventRelay, RELAY_COALESCE_MS } from '../../sandbox-server/classes/postgres-events.ts';
import { createLogger } from '../../sandbox-server/log.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { freePort } from '../support/ports.ts';
import { eventually } from '../support/terminal-text.ts';

/** Two hosts' relays on one real PostgreSQL: what one sends, the other hears, once per learner per round. */

let postgres: TestPostgres;
const relays: PostgresEventRelay[] = [];
const log = createLogger('silent');

beforeAll(async () => {
  postgres = await startTestPostgres();
}, 120_000);
afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.close();
});
afterAll(async () => {
  await postgres?.stop();
});

async function host(url: string): Promise<{ relay: PostgresEventRelay; heard: [string, ClassEvent][] }> {
  const heard: [string, ClassEvent][] = [];
  const relay = await PostgresEventRelay.start(url, (code, event) => heard.push([code, event]), log);
  relays.push(relay);
  return { relay, heard };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function notifyRaw(url: string, payload: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  await client.query('SELECT pg_notify($1, $2)', [EVENT_CHANNEL, payload]);
  await client.end();
}

describe('the class event relay over LISTEN/NOTIFY', () => {
  it("gives another host each learner's burst of events as one, and never hands a host its own", async () => {
    const a = await host(postgres.url);
    const b = await host(postgres.url);
    for (let index = 0; index < 30; index++) a.relay.send('ABCDEF', { type: 'learner', learnerId: 'ana' });
    a.relay.send('ABCDEF', { type: 'learner', learnerId: 'ben' });
    a.relay.send('GHJKMN', { type: 'learner', learnerId: 'ana' });
    await eventually(async () => (b.heard.length >= 3 ? true : undefined), { tries: 50, intervalMs: 50 });
    await pause(3 * RELAY_COALESCE_MS);
    expect(b.heard.sort()).toEqual([
      ['ABCDEF', { type: 'learner', learnerId: 'ana' }],
      ['ABCDEF', { type: 'learner', learnerId: 'ben' }],
      ['GHJKMN', { type: 'learner', learnerId: 'ana' }],
    ]);
    expect(a.heard).toEqual([]);
  });

  it('carries a class closing at once, both ways', async () => {
    const a = await host(postgres.url);
    const b = await host(postgres.url);
    b.relay.send('ABCDEF', { type: 'class', closedAt: 1234 });
    await eventually(async () => (a.heard.length > 0 ? true : undefined), { tries: 40, intervalMs: 25 });
    expect(a.heard).toEqual([['ABCDEF', { type: 'class', closedAt: 1234 }]]);
    a.relay.send('GHJKMN', { type: 'learner', learnerId: 'cy' });
    await eventually(async () => (b.heard.length > 0 ? true : undefined), { tries: 40, intervalMs: 50 });
    expect(b.heard).toEqual([['GHJKMN', { type: 'learner', learnerId: 'cy' }]]);
  });

  it('ignores a notification on its channel that is not one of its own kind', async () => {
    const b = await host(postgres.url);
    for (const junk of ['not json', '{"h":"x","c":"ABCDEF"}', '{"h":"x","c":"abcdef","l":"ana"}', '{"h":"x","c":"ABCDE0","l":"ana"}', '{"h":"x","c":"ABCDEF","l":"a b"}', '{"h":"x","c":"ABCDEF","l":"ana","extra":1}']) {
      await notifyRaw(postgres.url, junk);
    }
    await notifyRaw(postgres.url, '{"h":"x","c":"ABCDEF","l":"ana"}');
    await eventually(async () => (b.heard.length > 0 ? true : undefined), { tries: 40, intervalMs: 25 });
    await pause(200);
    expect(b.heard).toEqual([['ABCDEF', { type: 'learner', learnerId: 'ana' }]]);
  });

  it('listens again after the database drops its connection', async () => {
    const url = await postgres.newDatabase();
    const a = await host(url);
    const b = await host(url);
    const admin = new pg.Client(url);
    await admin.connect();
    const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'layerlab' AND datname = current_database()");
    await admin.end();
    expect(rowCount).toBe(2);
    await eventually(
      async () => {
        a.relay.send('ABCDEF', { type: 'class', closedAt: 1 });
        await pause(100);
        return b.heard.length > 0 ? true : undefined;
      },
      { tries: 50, intervalMs: 100 },
    );
    expect(b.heard[0]).toEqual(['ABCDEF', { type: 'class', closedAt: 1 }]);
  });

  it('refuses to start when the database does not answer', async () => {
    const port = await freePort();
    await expect(PostgresEventRelay.start(`postgres://postgres@127.0.0.1:${port}/layerlab`, () => {}, log)).rejects.toThrow(/ECONNREFUSED/);
  });
});
