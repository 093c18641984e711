import type { LessonOutline } from './class-service.ts';
import { isoTime } from './progress.ts';
import type { CheckRow, ClassRow, CommandRow, LearnerRow } from './storage.ts';

/** Everything a class export holds, read from the storage at one moment. */
export interface ClassSnapshot {
  class: ClassRow;
  lessons: LessonOutline[];
  learners: LearnerRow[];
  checks: CheckRow[];
  commands: Map<string, CommandRow[]>;
}

export interface ExportedCheck {
  lessonId: string;
  checkId: string;
  checkTitle: string;
  passed: boolean;
  firstPassedAt: string | null;
  lastCheckedAt: string | null;
  reason: string | null;
}

/**
 * Every lesson × check of the course for every learner, passed false when never checked: partial
 * credit, not just "completed". A check recorded for a lesson the course no longer has is kept too.
 */
function checksOf(snapshot: ClassSnapshot, learner: LearnerRow, byKey: Map<string, CheckRow>): ExportedCheck[] {
  const listed = new Set<string>();
  const rows: ExportedCheck[] = [];
  const push = (lessonId: string, checkId: string, checkTitle: string) => {
    const key = JSON.stringify([learner.id, lessonId, checkId]);
    listed.add(key);
    const row = byKey.get(key);
    rows.push({
      lessonId,
      checkId,
      checkTitle,
      passed: row?.passed ?? false,
      firstPassedAt: isoTime(row?.firstPassedAt),
      lastCheckedAt: isoTime(row?.lastCheckedAt),
      reason: row?.reason ?? null,
    });
  };
  for (const lesson of snapshot.lessons) for (const check of lesson.checks) push(lesson.id, check.id, check.title);
  for (const row of snapshot.checks) {
    if (row.learnerId === learner.id && !listed.has(JSON.stringify([learner.id, row.lessonId, row.checkId]))) push(row.lessonId, row.checkId, '');
  }
  return rows;
}

function indexChecks(checks: CheckRow[]): Map<string, CheckRow> {
  return new Map(checks.map((row) => [JSON.stringify([row.learnerId, row.lessonId, row.checkId]), row]));
}

export function exportJson(snapshot: ClassSnapshot, exportedAt = Date.now()) {
  const byKey = indexChecks(snapshot.checks);
  return {
    class: { code: snapshot.class.code, name: snapshot.class.name, createdAt: isoTime(snapshot.class.createdAt), closedAt: isoTime(snapshot.class.closedAt) },
    exportedAt: isoTime(exportedAt),
    learners: snapshot.learners.map((learner) => ({
      id: learner.id,
      nickname: learner.nickname,
      joinedAt: isoTime(learner.joinedAt),
      checks: checksOf(snapshot, learner, byKey),
      commands: (snapshot.commands.get(learner.id) ?? []).map(commandJson),
    })),
  };
}

export function commandJson(row: CommandRow) {
  return { line: row.line, exitCode: row.exitCode, at: isoTime(row.at), lessonId: row.lessonId };
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * Text a learner wrote (`freeText`: a nickname, a command) is defused first: control characters
 * become `\xNN` (a raw escape would redraw the terminal the file is printed to), and a cell a
 * spreadsheet would read as a formula (= + - @ first, after any spaces, or tab or CR first) gets
 * a ' in front. Ids and times are never changed, so they match the JSON export and the API.
 */
export function csvCell(value: string | number | boolean | null | undefined, freeText = false): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (freeText) {
    text = text.replace(CONTROL, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** C0 but tab and line breaks, DEL, and C1. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const FORMULA_START = /^(?:[\t\r]| *[=+\-@＝＋－＠])/;

/** Rows of cells; the columns in `freeText` hold what learners wrote. */
function csv(header: string[], rows: (string | number | boolean | null)[][], freeText: string[]): string {
  const free = new Set(freeText.map((name) => header.indexOf(name)));
  return [header.join(','), ...rows.map((row) => row.map((cell, index) => csvCell(cell, free.has(index))).join(','))].join('\r\n') + '\r\n';
}

export function checksCsv(snapshot: ClassSnapshot): string {
  const byKey = indexChecks(snapshot.checks);
  const rows = snapshot.learners.flatMap((learner) =>
    checksOf(snapshot, learner, byKey).map((check) => [
      learner.nickname,
      learner.id,
      check.lessonId,
      check.checkId,
      check.checkTitle,
      check.passed,
      check.firstPassedAt,
      check.lastCheckedAt,
    ]),
  );
  return csv(['nickname', 'learner_id', 'lesson_id', 'check_id', 'check_title', 'passed', 'first_passed_at', 'last_checked_at'], rows, ['nickname', 'check_title']);
}

export function commandsCsv(snapshot: ClassSnapshot): string {
  const rows = snapshot.learners.flatMap((learner) =>
    (snapshot.commands.get(learner.id) ?? []).map((command) => [learner.nickname, learner.id, isoTime(command.at), command.lessonId, command.exitCode, command.line]),
  );
  return csv(['nickname', 'learner_id', 'at', 'lesson_id', 'exit_code', 'command'], rows, ['nickname', 'command']);
}
