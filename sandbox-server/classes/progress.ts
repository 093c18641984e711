import type { CheckRow } from './storage.ts';

/** One check's record as the API shows it; times in ISO 8601, null when never. */
export interface CheckRecord {
  passed: boolean;
  firstPassedAt: string | null;
  lastCheckedAt: string | null;
  reason: string | null;
}

/** Per lesson id, per check id. */
export type Progress = Record<string, Record<string, CheckRecord>>;

export function isoTime(time: number | null | undefined): string | null {
  return time === null || time === undefined ? null : new Date(time).toISOString();
}

export function recordOf(row: CheckRow): CheckRecord {
  return { passed: row.passed, firstPassedAt: isoTime(row.firstPassedAt), lastCheckedAt: isoTime(row.lastCheckedAt), reason: row.reason };
}

/** A learner's check rows as the nested progress object; null-prototype maps, so any lesson or check id is only a key. */
export function progressOf(rows: CheckRow[]): Progress {
  const progress: Progress = Object.create(null);
  for (const row of rows) {
    const lesson = (progress[row.lessonId] ??= Object.create(null) as Record<string, CheckRecord>);
    lesson[row.checkId] = recordOf(row);
  }
  return progress;
}
