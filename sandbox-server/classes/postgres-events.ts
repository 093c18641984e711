import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { normalizeCode } from './codes.ts';
import type { ClassEvent, ClassEventRelay } from './event-hub.ts';
import { connectionConfig } from './postgres-storage.ts';

/** The one channel every host of the class database listens on. */
export const EVENT_CHANNEL = 'layerlab_class_events';
/** A learner's events within this long leave this host as one notification (the dashboard coalesces as long again). */
export const RELAY_COALESCE_MS = 250;
/** How long a lost listener waits before it connects again, at most. */
const MAX_RECONNECT_MS = 10_000;

/**
 * What a notification carries: the sending host, the class, and the learner who changed (the
 * receiving host reads their row itself) or when the class closed. Nothing a learner wrote.
 */
const Payload = z.union([
  z.strictObject({ h: z.string().max(16), c: z.string().max(6), l: z.string().regex(/^[\w-]{1,64}$/) }),
  z.strictObject({ h: z.string().max(16), c: z.string().max(6), closed: z.number().int().nonnegative() }),
]);

/**
 * The class event hub across hosts, over PostgreSQL's LISTEN/NOTIFY: each host's events are
 * notified on one channel, and each host hands the others' to its own hub, so a dashboard on any
 * host stays live whichever host a learner works on. One connection per host, outside the pool.
 */
export class PostgresEventRelay implements ClassEventRelay {
  readonly #url: string;
  readonly #receive: (classCode: string, event: ClassEvent) => void;
  readonly #log: Logger;
  /** Tells this host's own notifications, which come back to it too, from the others'. */
  readonly #host = randomBytes(6).toString('hex');
  #client: pg.Client | undefined;
  /** Notifications go one query at a time: a pg client given a query while it runs one is deprecated. */
  #sending: Promise<void> = Promise.resolve();
  #closed = false;
  #retryMs = 500;
  #retry: NodeJS.Timeout | undefined;
  /** Learner events waiting for the next notification round, one per class and learner. */
  readonly #pending = new Map<string, string>();
  #flushing: NodeJS.Timeout | undefined;

  private constructor(url: string, receive: (classCode: string, event: ClassEvent) => void, log: Logger) {
    this.#url = url;
    this.#receive = receive;
    this.#log = log;
  }

  /** Listening before it returns, so a host that can't reach the database fails at start-up. */
  static async start(url: string, receive: (classCode: string, event: ClassEvent) => void, log: Logger): Promise<PostgresEventRelay> {
    const relay = new PostgresEventRelay(url, receive, log);
    await relay.#connect();
    return relay;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(connectionConfig(this.#url));
    client.on('notification', (message) => this.#heard(message.payload));
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client));
    await client.connect();
    try {
      await client.query(`LISTEN ${EVENT_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
    this.#retryMs = 500;
  }

  /** A dropped connection is made again, with a growing pause; events meanwhile are lost, and dashboards catch up on the next. */
  #lost(client: pg.Client, error?: Error): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    this.#log.warn({ err: error }, 'the class database stopped sending live events; connecting again');
    client.end().catch(() => {});
    const again = () => {
      this.#retry = undefined;
      this.#connect().catch((failure: Error) => {
        if (this.#closed) return;
        this.#log.warn({ err: failure }, `the class database's live events are still unreachable; trying again in ${this.#retryMs} ms`);
        this.#retryMs = Math.min(this.#retryMs * 2, MAX_RECONNECT_MS);
        this.#retry = setTimeout(again, this.#retryMs);
      });
    };
    this.#retry = setTimeout(again, this.#retryMs);
  }

  #heard(text: string | undefined): void {
    let payload: z.infer<typeof Payload>;
    try {
      payload = Payload.parse(JSON.parse(text ?? ''));
    } catch {
      this.#log.warn(`a class event on ${EVENT_CHANNEL} did not read; it is ignored`);
      return;
    }
    if (payload.h === this.#host) return;
    const code = normalizeCode(payload.c);
    if (code !== payload.c) return;
    this.#receive(code, 'l' in payload ? { type: 'learner', learnerId: payload.l } : { type: 'class', closedAt: payload.closed });
  }

  send(classCode: string, event: ClassEvent): void {
    if (this.#closed) return;
    if (event.type === 'class') {
      void this.#notify({ h: this.#host, c: classCode, closed: event.closedAt });
      return;
    }
    // A learner opening and closing terminals in a loop is one notification per round, not one per event.
    this.#pending.set(`${classCode} ${event.learnerId}`, event.learnerId);
    this.#flushing ??= setTimeout(() => void this.#flush(), RELAY_COALESCE_MS);
  }

  #flush(): Promise<void[]> {
    this.#flushing = undefined;
    const sent = [...this.#pending].map(([key, learnerId]) => this.#notify({ h: this.#host, c: key.slice(0, key.indexOf(' ')), l: learnerId }));
    this.#pending.clear();
    return Promise.all(sent);
  }

  #notify(payload: z.infer<typeof Payload>): Promise<void> {
    this.#sending = this.#sending.then(async () => {
      const client = this.#client;
      if (!client) return;
      await client
        .query('SELECT pg_notify($1, $2)', [EVENT_CHANNEL, JSON.stringify(payload)])
        .then(() => undefined, (error: Error) => this.#log.warn({ err: error }, 'a class event could not reach the other hosts'));
    });
    return this.#sending;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    // What is waiting still goes: a check recorded just before a restart reaches the other dashboards.
    clearTimeout(this.#flushing);
    await this.#flush();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
