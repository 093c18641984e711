/**
 * The class database's schema, one migration per version, in SQLite's SQL (MIGRATIONS) and in
 * PostgreSQL's (POSTGRES_MIGRATIONS): version N means the same tables in both, so the two lists
 * grow together. `PRAGMA user_version` (SQLite) or the `layerlab_schema` table (PostgreSQL) says
 * how many have run; each runs in a transaction with the version bump, so a crash leaves either
 * the old schema or the new one. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: classes, learners, their checks and their commands.
  `
  CREATE TABLE classes (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER
  );
  CREATE TABLE learners (
    id TEXT PRIMARY KEY,
    class_code TEXT NOT NULL REFERENCES classes(code),
    nickname TEXT NOT NULL,
    nickname_key TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    UNIQUE (class_code, nickname_key)
  );
  CREATE TABLE checks (
    learner_id TEXT NOT NULL REFERENCES learners(id),
    lesson_id TEXT NOT NULL,
    check_id TEXT NOT NULL,
    passed INTEGER NOT NULL,
    first_passed_at INTEGER,
    last_checked_at INTEGER NOT NULL,
    reason TEXT,
    PRIMARY KEY (learner_id, lesson_id, check_id)
  );
  CREATE TABLE commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id TEXT NOT NULL REFERENCES learners(id),
    line TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    at INTEGER NOT NULL,
    lesson_id TEXT
  );
  CREATE INDEX commands_by_learner ON commands (learner_id, id);
  `,
];

/**
 * Times are milliseconds since the epoch (bigint, as SQLite's INTEGER holds them); ids and keys
 * compare byte by byte (COLLATE "C", as SQLite's do), whatever the database's locale.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 1: classes, learners, their checks and their commands.
  `
  CREATE TABLE classes (
    code TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
  );
  CREATE TABLE learners (
    id TEXT COLLATE "C" PRIMARY KEY,
    class_code TEXT COLLATE "C" NOT NULL REFERENCES classes(code),
    nickname TEXT NOT NULL,
    nickname_key TEXT COLLATE "C" NOT NULL,
    key_hash TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    UNIQUE (class_code, nickname_key)
  );
  CREATE TABLE checks (
    learner_id TEXT COLLATE "C" NOT NULL REFERENCES learners(id),
    lesson_id TEXT COLLATE "C" NOT NULL,
    check_id TEXT COLLATE "C" NOT NULL,
    passed BOOLEAN NOT NULL,
    first_passed_at BIGINT,
    last_checked_at BIGINT NOT NULL,
    reason TEXT,
    PRIMARY KEY (learner_id, lesson_id, check_id)
  );
  CREATE TABLE commands (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    learner_id TEXT COLLATE "C" NOT NULL REFERENCES learners(id),
    line TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    at BIGINT NOT NULL,
    lesson_id TEXT
  );
  CREATE INDEX commands_by_learner ON commands (learner_id, id);
  `,
];
