/**
 * The learner's course progress, with one owner at a time: in a class, the server's record
 * (GET /api/classes/me: the sandbox recorded every check run there, so another browser sees the
 * same); otherwise this browser's storage (storage.ts). Nothing here copies one into the other.
 */
import { classMembership, refreshMembership } from './class/membership.ts';
import type { ClassProgress } from './class/class-api.ts';
import { loadProgress, markStarted, PROGRESS_EVENT, recordChecks, type LessonProgress } from './storage.ts';

/** A lesson is complete once each of its checks has passed at some time (partial credit counts per check). */
export function progressFromClass(progress: ClassProgress): Record<string, LessonProgress> {
  const lessons: Record<string, LessonProgress> = {};
  for (const [lessonId, checks] of Object.entries(progress)) {
    const records = Object.entries(checks);
    if (records.length === 0) continue;
    const passed = records.filter(([, record]) => record.passed).map(([checkId]) => checkId);
    const complete = records.every(([, record]) => record.firstPassedAt !== null && record.firstPassedAt !== undefined);
    const checkedAt = records.map(([, record]) => new Date(record.lastCheckedAt ?? 0).getTime()).filter(Number.isFinite);
    lessons[lessonId] = { status: complete ? 'complete' : 'started', passed, total: records.length, updatedAt: Math.max(0, ...checkedAt) };
  }
  return lessons;
}

/** Every lesson's progress, from whichever owner this browser has. */
export async function courseProgress(): Promise<Record<string, LessonProgress>> {
  const membership = await classMembership();
  return membership ? progressFromClass(membership.progress) : loadProgress();
}

/** A lesson was opened. In a class the server's record starts with its first check run instead. */
export async function noteLessonStarted(lessonId: string, total: number): Promise<void> {
  if (!(await classMembership())) markStarted(lessonId, total);
}

/**
 * The checks ran (POST /api/checks). In a class the server recorded them already: when they differ
 * from the record this page holds, the page asks for the record again rather than keeping a copy
 * of its own (and most runs, after a command that changed nothing, cost no request).
 */
export async function noteCheckResults(lessonId: string, passed: string[], total: number): Promise<void> {
  const membership = await classMembership();
  if (!membership) {
    recordChecks(lessonId, passed, total);
    return;
  }
  const recorded = Object.entries(membership.progress[lessonId] ?? {});
  const unchanged = recorded.length === total && recorded.every(([checkId, record]) => record.passed === passed.includes(checkId));
  if (unchanged) return;
  await refreshMembership();
  window.dispatchEvent(new Event(PROGRESS_EVENT));
}
