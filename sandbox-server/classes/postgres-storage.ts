import pg from 'pg';
import type { Logger } from 'pino';
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { nicknameKey } from './nickname.ts';
import { checkOf, classOf, commandOf, learnerOf } from './rows.ts';
import {
  ClassStorageRefusal,
  storableText,
  type CheckOutcome,
  type CheckRow,
  type ClassRow,
  type ClassStorage,
  type CommandRow,
  type LearnerRow,
} from './storage.ts';

/**
 * Connections one host holds at most. PostgreSQL's default max_connections is 100: ten hosts at
 * this bound, plus each one's listener (postgres-events.ts), still leave room for an operator's psql.
 */
export const POOL_SIZE = 8;
/** A query (or a wait for a lock) longer than this fails rather than holding a learner's request. */
const STATEMENT_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** The key of the advisory lock migrations run under: any constant the hosts agree on ("LLAB" in ASCII). */
const MIGRATION_LOCK = 0x4c4c4142;

type Row = Record<string, unknown>;
type Queryable = pg.Pool | pg.PoolClient;

/** Every text a query carries, storable: PostgreSQL's text holds no NUL, which SQLite's would. */
function query(on: Queryable, text: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
  return on.query<Row>(text, values.map((value) => (typeof value === 'string' ? storableText(value) : Array.isArray(value) ? value.map((item: unknown) => (typeof item === 'string' ? storableText(item) : item)) : value)));
}

/** Connection settings every class database connection uses: bounded waits, and a name in pg_stat_activity. */
export function connectionConfig(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'layerlab',
    keepAlive: true,
  };
}

/**
 * Class data in a PostgreSQL database that several hosts share, with the SQLite storage's meaning
 * to the letter (tests/unit/class-storage.test.ts runs the same cases on both). What changes is
 * that two hosts write at once: a learner joins under a row lock on their class, so two hosts
 * filling the last seat never both get it, and migrations run under an advisory lock, so two
 * hosts starting at once never both run one.
 */
export class PostgresClassStorage implements ClassStorage {
  readonly #pool: pg.Pool;
  readonly #log: Logger | undefined;
  /** The migrations, started by the constructor; every method waits for them. */
  readonly #ready: Promise<void>;
  #closing: Promise<void> | undefined;

  constructor(url: string, log?: Logger) {
    this.#pool = new pg.Pool({ ...connectionConfig(url), max: POOL_SIZE });
    this.#log = log;
    // An idle connection the server dropped is replaced on the next query; without a listener, the error would end the process.
    this.#pool.on('error', (error) => log?.warn({ err: error }, 'a class database connection failed while idle'));
    this.#ready = this.#migrate();
    // Seen by whoever awaits it; this keeps an unawaited failure from ending the process.
    this.#ready.catch(() => {});
  }

  /** Resolves once the schema is the newest; rejects when the database can't be reached or is newer than this server. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** The schema version the database is at (the number of migrations applied). */
  async version(): Promise<number> {
    await this.#ready;
    const { rows } = await query(this.#pool, 'SELECT max(version) AS version FROM layerlab_schema');
    return Number(rows[0]?.version ?? 0);
  }

  async #migrate(): Promise<void> {
    await this.#transaction(async (client) => {
      // A migration (and a second host's wait for the first's) may take longer than a learner's query.
      await query(client, 'SET LOCAL statement_timeout = 0');
      // Held until this transaction ends: a second host waits here, then finds the work done.
      await query(client, 'SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await query(client, 'CREATE TABLE IF NOT EXISTS layerlab_schema (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const { rows } = await query(client, 'SELECT coalesce(max(version), 0) AS version FROM layerlab_schema');
      const from = Number(rows[0]!.version);
      if (from > POSTGRES_MIGRATIONS.length) {
        throw new Error(`the class database is at schema version ${from}, newer than this server's ${POSTGRES_MIGRATIONS.length}; upgrade Layerlab`);
      }
      for (let version = from; version < POSTGRES_MIGRATIONS.length; version++) {
        await query(client, POSTGRES_MIGRATIONS[version]!);
        await query(client, 'INSERT INTO layerlab_schema (version, applied_at) VALUES ($1, $2)', [version + 1, Date.now()]);
      }
    }, false);
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>, waitForSchema = true): Promise<T> {
    if (waitForSchema) await this.#ready;
    const client = await this.#pool.connect();
    // The pool listens only to idle connections: one that breaks while checked out (the database
    // restarted mid-transaction) would otherwise end the process. Its query fails too, and a broken
    // connection is given back as broken, so the pool makes a new one.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
      this.#log?.warn({ err: error }, 'a class database connection failed during a transaction');
    };
    client.on('error', onError);
    try {
      await query(client, 'BEGIN');
      const result = await work(client);
      await query(client, 'COMMIT');
      return result;
    } catch (error) {
      await query(client, 'ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async #query(text: string, values: unknown[] = []): Promise<Row[]> {
    await this.#ready;
    return (await query(this.#pool, text, values)).rows as Row[];
  }

  async createClass(row: ClassRow): Promise<boolean> {
    await this.#ready;
    const result = await query(this.#pool, 
      'INSERT INTO classes (code, name, secret_hash, created_at, closed_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING',
      [row.code, row.name, row.secretHash, row.createdAt, row.closedAt],
    );
    return result.rowCount === 1;
  }

  async classByCode(code: string): Promise<ClassRow | undefined> {
    const [row] = await this.#query('SELECT * FROM classes WHERE code = $1', [code]);
    return row && classOf(row);
  }

  async closeClass(code: string, at: number): Promise<number | undefined> {
    await this.#query('UPDATE classes SET closed_at = $1 WHERE code = $2 AND closed_at IS NULL', [at, code]);
    return (await this.classByCode(code))?.closedAt ?? undefined;
  }

  async addLearner(row: LearnerRow, maxLearners: number): Promise<void> {
    await this.#transaction(async (client) => {
      // The class's row is the lock every join to it takes: the count below stays true until this commits.
      await query(client, 'SELECT 1 FROM classes WHERE code = $1 FOR UPDATE', [row.classCode]);
      const { rows } = await query(client, 'SELECT count(*) AS count FROM learners WHERE class_code = $1', [row.classCode]);
      if (Number(rows[0]!.count) >= maxLearners) throw new ClassStorageRefusal('full', `this class is full: it has its ${maxLearners} learners`);
      const key = nicknameKey(row.nickname);
      const taken = await query(client, 'SELECT 1 FROM learners WHERE class_code = $1 AND nickname_key = $2', [row.classCode, key]);
      if (taken.rowCount) throw new ClassStorageRefusal('nickname-taken', `someone in this class is already called "${row.nickname}"; pick another nickname`);
      await query(client, 'INSERT INTO learners (id, class_code, nickname, nickname_key, key_hash, joined_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        row.id,
        row.classCode,
        row.nickname,
        key,
        row.keyHash,
        row.joinedAt,
        row.lastSeenAt,
      ]);
    });
  }

  async learnerById(id: string): Promise<LearnerRow | undefined> {
    const [row] = await this.#query('SELECT * FROM learners WHERE id = $1', [id]);
    return row && learnerOf(row);
  }

  async learnerByNickname(classCode: string, nickname: string): Promise<LearnerRow | undefined> {
    const [row] = await this.#query('SELECT * FROM learners WHERE class_code = $1 AND nickname_key = $2', [classCode, nicknameKey(nickname)]);
    return row && learnerOf(row);
  }

  async learners(classCode: string): Promise<LearnerRow[]> {
    return (await this.#query('SELECT * FROM learners WHERE class_code = $1 ORDER BY joined_at, id', [classCode])).map(learnerOf);
  }

  async touchLearner(id: string, at: number): Promise<void> {
    await this.#query('UPDATE learners SET last_seen_at = greatest(last_seen_at, $1) WHERE id = $2', [at, id]);
  }

  async recordChecks(learnerId: string, lessonId: string, outcomes: CheckOutcome[], at: number): Promise<void> {
    // One statement for the run, so a check named twice is folded first as one upsert after
    // another would leave it: the last verdict and reason, and a pass time if either passed.
    const byCheck = new Map<string, { passed: boolean; reason: string | null; passedOnce: boolean }>();
    for (const outcome of outcomes) {
      const id = storableText(outcome.checkId);
      byCheck.set(id, { passed: outcome.passed, reason: outcome.passed ? null : (outcome.reason ?? null), passedOnce: outcome.passed || (byCheck.get(id)?.passedOnce ?? false) });
    }
    const folded = [...byCheck.values()];
    await this.#transaction(async (client) => {
      await query(client, 
        `INSERT INTO checks (learner_id, lesson_id, check_id, passed, first_passed_at, last_checked_at, reason)
        SELECT $1, $2, check_id, passed, CASE WHEN passed_once THEN $3::bigint END, $3, reason
        FROM unnest($4::text[], $5::boolean[], $6::text[], $7::boolean[]) AS run (check_id, passed, reason, passed_once)
        ON CONFLICT (learner_id, lesson_id, check_id) DO UPDATE SET
          passed = excluded.passed,
          first_passed_at = coalesce(checks.first_passed_at, excluded.first_passed_at),
          last_checked_at = excluded.last_checked_at,
          reason = excluded.reason`,
        [learnerId, lessonId, at, [...byCheck.keys()], folded.map((check) => check.passed), folded.map((check) => check.reason), folded.map((check) => check.passedOnce)],
      );
      await query(client, 'UPDATE learners SET last_seen_at = greatest(last_seen_at, $1) WHERE id = $2', [at, learnerId]);
    });
  }

  async classChecks(classCode: string): Promise<CheckRow[]> {
    const rows = await this.#query(
      'SELECT checks.* FROM checks JOIN learners ON learners.id = checks.learner_id WHERE learners.class_code = $1 ORDER BY checks.learner_id, checks.lesson_id, checks.check_id',
      [classCode],
    );
    return rows.map(checkOf);
  }

  async learnerChecks(learnerId: string): Promise<CheckRow[]> {
    return (await this.#query('SELECT * FROM checks WHERE learner_id = $1 ORDER BY lesson_id, check_id', [learnerId])).map(checkOf);
  }

  async recordCommand(row: CommandRow, keep: number): Promise<void> {
    await this.#transaction(async (client) => {
      // The learner's row first: its lock orders two hosts' commands for one learner, so the trim below sees them all.
      await query(client, 'UPDATE learners SET last_seen_at = greatest(last_seen_at, $1) WHERE id = $2', [row.at, row.learnerId]);
      await query(client, 'INSERT INTO commands (learner_id, line, exit_code, at, lesson_id) VALUES ($1, $2, $3, $4, $5)', [
        row.learnerId,
        row.line,
        row.exitCode,
        row.at,
        row.lessonId === null ? null : row.lessonId,
      ]);
      // Only the newest `keep`: everything at or below the (keep+1)-th newest id goes.
      await query(client, 'DELETE FROM commands WHERE learner_id = $1 AND id <= (SELECT id FROM commands WHERE learner_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)', [
        row.learnerId,
        keep,
      ]);
    });
  }

  async commands(learnerId: string): Promise<CommandRow[]> {
    const rows = await this.#query('SELECT * FROM commands WHERE learner_id = $1 ORDER BY id', [learnerId]);
    return rows.map(commandOf);
  }

  async commandCounts(classCode: string): Promise<Map<string, number>> {
    const rows = await this.#query('SELECT learner_id, count(*) AS count FROM commands WHERE learner_id IN (SELECT id FROM learners WHERE class_code = $1) GROUP BY learner_id', [
      classCode,
    ]);
    return new Map(rows.map((row) => [String(row.learner_id), Number(row.count)]));
  }

  async commandCount(learnerId: string): Promise<number> {
    const [row] = await this.#query('SELECT count(*) AS count FROM commands WHERE learner_id = $1', [learnerId]);
    return Number(row!.count);
  }

  async close(): Promise<void> {
    // pg's end() may run once; a second close waits for the first.
    this.#closing ??= this.#ready.catch(() => {}).then(() => this.#pool.end());
    await this.#closing;
  }
}
