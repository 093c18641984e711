import './quiet-sqlite-warning.ts';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DatabaseSync as Database, SQLInputValue } from 'node:sqlite';
import { MIGRATIONS } from './migrations.ts';
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

// Loaded after the warning filter above is in place (a static import would load it first).
const { DatabaseSync } = createRequire(import.meta.url)('node:sqlite') as typeof import('node:sqlite');

type Row = Record<string, SQLInputValue>;

/**
 * Class data in one SQLite file (WAL, so the dashboard's reads never wait on a learner's write).
 * node:sqlite is synchronous; the interface is async so that a server database fits it too.
 */
export class SqliteClassStorage implements ClassStorage {
  readonly #db: Database;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.#db = new DatabaseSync(file);
    this.#db.exec('PRAGMA busy_timeout = 5000');
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA foreign_keys = ON');
    this.#migrate();
  }

  /** Migrated in the constructor already: node:sqlite opens a file at once. */
  async ready(): Promise<void> {}

  /** The schema version the file is at (the number of migrations applied). */
  get version(): number {
    return Number((this.#db.prepare('PRAGMA user_version').get() as Row).user_version);
  }

  #migrate(): void {
    // BEGIN IMMEDIATE takes the write lock first, so two servers opening one file never run a migration twice.
    this.#transaction(() => {
      const from = this.version;
      if (from > MIGRATIONS.length) {
        throw new Error(`the class database is at schema version ${from}, newer than this server's ${MIGRATIONS.length}; upgrade Layerlab`);
      }
      for (let version = from; version < MIGRATIONS.length; version++) {
        this.#db.exec(MIGRATIONS[version]!);
        this.#db.exec(`PRAGMA user_version = ${version + 1}`);
      }
    });
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  async createClass(row: ClassRow): Promise<boolean> {
    const result = this.#db
      .prepare('INSERT OR IGNORE INTO classes (code, name, secret_hash, created_at, closed_at) VALUES (?, ?, ?, ?, ?)')
      .run(row.code, storableText(row.name), row.secretHash, row.createdAt, row.closedAt);
    return Number(result.changes) === 1;
  }

  async classByCode(code: string): Promise<ClassRow | undefined> {
    const row = this.#db.prepare('SELECT * FROM classes WHERE code = ?').get(code) as Row | undefined;
    return row && classOf(row);
  }

  async closeClass(code: string, at: number): Promise<number | undefined> {
    this.#db.prepare('UPDATE classes SET closed_at = ? WHERE code = ? AND closed_at IS NULL').run(at, code);
    return (await this.classByCode(code))?.closedAt ?? undefined;
  }

  async addLearner(row: LearnerRow, maxLearners: number): Promise<void> {
    const nickname = storableText(row.nickname);
    this.#transaction(() => {
      const { count } = this.#db.prepare('SELECT count(*) AS count FROM learners WHERE class_code = ?').get(row.classCode) as Row;
      if (Number(count) >= maxLearners) throw new ClassStorageRefusal('full', `this class is full: it has its ${maxLearners} learners`);
      const taken = this.#db.prepare('SELECT 1 FROM learners WHERE class_code = ? AND nickname_key = ?').get(row.classCode, nicknameKey(nickname));
      if (taken) throw new ClassStorageRefusal('nickname-taken', `someone in this class is already called "${row.nickname}"; pick another nickname`);
      this.#db
        .prepare('INSERT INTO learners (id, class_code, nickname, nickname_key, key_hash, joined_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(row.id, row.classCode, nickname, nicknameKey(nickname), row.keyHash, row.joinedAt, row.lastSeenAt);
    });
  }

  async learnerById(id: string): Promise<LearnerRow | undefined> {
    const row = this.#db.prepare('SELECT * FROM learners WHERE id = ?').get(id) as Row | undefined;
    return row && learnerOf(row);
  }

  async learnerByNickname(classCode: string, nickname: string): Promise<LearnerRow | undefined> {
    const row = this.#db.prepare('SELECT * FROM learners WHERE class_code = ? AND nickname_key = ?').get(classCode, nicknameKey(storableText(nickname))) as Row | undefined;
    return row && learnerOf(row);
  }

  async learners(classCode: string): Promise<LearnerRow[]> {
    return (this.#db.prepare('SELECT * FROM learners WHERE class_code = ? ORDER BY joined_at, id').all(classCode) as Row[]).map(learnerOf);
  }

  async touchLearner(id: string, at: number): Promise<void> {
    this.#db.prepare('UPDATE learners SET last_seen_at = max(last_seen_at, ?) WHERE id = ?').run(at, id);
  }

  async recordChecks(learnerId: string, lessonId: string, outcomes: CheckOutcome[], at: number): Promise<void> {
    const upsert = this.#db.prepare(`
      INSERT INTO checks (learner_id, lesson_id, check_id, passed, first_passed_at, last_checked_at, reason)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (learner_id, lesson_id, check_id) DO UPDATE SET
        passed = excluded.passed,
        first_passed_at = coalesce(checks.first_passed_at, excluded.first_passed_at),
        last_checked_at = excluded.last_checked_at,
        reason = excluded.reason`);
    this.#transaction(() => {
      for (const outcome of outcomes) {
        const reason = outcome.passed || outcome.reason === undefined ? null : storableText(outcome.reason);
        upsert.run(learnerId, storableText(lessonId), storableText(outcome.checkId), outcome.passed ? 1 : 0, outcome.passed ? at : null, at, reason);
      }
      this.#db.prepare('UPDATE learners SET last_seen_at = max(last_seen_at, ?) WHERE id = ?').run(at, learnerId);
    });
  }

  async classChecks(classCode: string): Promise<CheckRow[]> {
    const rows = this.#db
      .prepare('SELECT checks.* FROM checks JOIN learners ON learners.id = checks.learner_id WHERE learners.class_code = ?')
      .all(classCode) as Row[];
    return rows.map(checkOf);
  }

  async learnerChecks(learnerId: string): Promise<CheckRow[]> {
    return (this.#db.prepare('SELECT * FROM checks WHERE learner_id = ?').all(learnerId) as Row[]).map(checkOf);
  }

  async recordCommand(row: CommandRow, keep: number): Promise<void> {
    this.#transaction(() => {
      this.#db.prepare('INSERT INTO commands (learner_id, line, exit_code, at, lesson_id) VALUES (?, ?, ?, ?, ?)').run(row.learnerId, storableText(row.line), row.exitCode, row.at, row.lessonId === null ? null : storableText(row.lessonId));
      // Only the newest `keep`: everything at or below the (keep+1)-th newest id goes.
      this.#db
        .prepare('DELETE FROM commands WHERE learner_id = ? AND id <= (SELECT id FROM commands WHERE learner_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)')
        .run(row.learnerId, row.learnerId, keep);
      this.#db.prepare('UPDATE learners SET last_seen_at = max(last_seen_at, ?) WHERE id = ?').run(row.at, row.learnerId);
    });
  }

  async commands(learnerId: string): Promise<CommandRow[]> {
    const rows = this.#db.prepare('SELECT * FROM commands WHERE learner_id = ? ORDER BY id').all(learnerId) as Row[];
    return rows.map(commandOf);
  }

  async commandCounts(classCode: string): Promise<Map<string, number>> {
    const rows = this.#db
      .prepare('SELECT learner_id, count(*) AS count FROM commands WHERE learner_id IN (SELECT id FROM learners WHERE class_code = ?) GROUP BY learner_id')
      .all(classCode) as Row[];
    return new Map(rows.map((row) => [String(row.learner_id), Number(row.count)]));
  }

  async commandCount(learnerId: string): Promise<number> {
    return Number((this.#db.prepare('SELECT count(*) AS count FROM commands WHERE learner_id = ?').get(learnerId) as Row).count);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
