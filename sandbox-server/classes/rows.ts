import type { CheckRow, ClassRow, CommandRow, LearnerRow } from './storage.ts';

/**
 * A database row (snake_case columns, as both SQLite and PostgreSQL give them) read as the storage
 * module's types. What differs between the two is only how values come: a PostgreSQL BIGINT as a
 * string, a SQLite boolean as 0 or 1, so every field is converted, never cast.
 */
export type DatabaseRow = Record<string, unknown>;

export function classOf(row: DatabaseRow): ClassRow {
  return { code: String(row.code), name: String(row.name), secretHash: String(row.secret_hash), createdAt: Number(row.created_at), closedAt: nullableNumber(row.closed_at) };
}

export function learnerOf(row: DatabaseRow): LearnerRow {
  return {
    id: String(row.id),
    classCode: String(row.class_code),
    nickname: String(row.nickname),
    keyHash: String(row.key_hash),
    joinedAt: Number(row.joined_at),
    lastSeenAt: Number(row.last_seen_at),
  };
}

export function checkOf(row: DatabaseRow): CheckRow {
  return {
    learnerId: String(row.learner_id),
    lessonId: String(row.lesson_id),
    checkId: String(row.check_id),
    // PostgreSQL's boolean, or SQLite's 1.
    passed: row.passed === true || Number(row.passed) === 1,
    firstPassedAt: nullableNumber(row.first_passed_at),
    lastCheckedAt: Number(row.last_checked_at),
    reason: nullableString(row.reason),
  };
}

export function commandOf(row: DatabaseRow): CommandRow {
  return { learnerId: String(row.learner_id), line: String(row.line), exitCode: Number(row.exit_code), at: Number(row.at), lessonId: nullableString(row.lesson_id) };
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
