/**
 * The class endpoints the pages use (docs/teaching.md has the API): what they answer, and one
 * function per call. Instructor calls rely on the instructor cookie that POST …/instructor sets.
 */
import { api } from '../api.ts';
import type { CheckRecord, Progress as ClassProgress } from '../../../sandbox-server/classes/progress.ts';
import type { LearnerView as RosterLearner, LessonOutline as RosterLesson } from '../../../sandbox-server/classes/class-service.ts';
import type { commandJson } from '../../../sandbox-server/classes/export.ts';

// The server's own shapes (type-only: nothing of the server reaches the page).
export type { CheckRecord, ClassProgress, RosterLearner, RosterLesson };
export type CommandRecord = ReturnType<typeof commandJson>;

export interface ClassSummary {
  code: string;
  name: string;
}

export interface Membership {
  class: ClassSummary & { closed: boolean };
  learner: { id: string; nickname: string };
  progress: ClassProgress;
}

export interface CreatedClass extends ClassSummary {
  instructorSecret: string;
  joinPath: string;
  dashboardPath: string;
}

export interface Joined {
  class: ClassSummary;
  learner: { id: string; nickname: string };
  learnerKey: string;
}

export interface Roster {
  class: ClassSummary & { createdAt: string; closedAt: string | null };
  lessons: RosterLesson[];
  learners: RosterLearner[];
}

/** A class code as typed: case and stray spaces don't matter. */
export function normaliseCode(typed: string): string {
  return typed.replace(/\s+/g, '').toUpperCase();
}

const classPath = (code: string) => `/api/classes/${encodeURIComponent(normaliseCode(code))}`;

export const createClass = (name: string) => api<CreatedClass>('POST', '/api/classes', { name });

export const joinClass = (code: string, nickname: string, learnerKey?: string) =>
  api<Joined>('POST', '/api/classes/join', { code: normaliseCode(code), nickname, ...(learnerKey ? { learnerKey } : {}) });

export const fetchMembership = () => api<Membership>('GET', '/api/classes/me');

export const leaveClass = () => api<void>('POST', '/api/classes/leave');

export const signInAsInstructor = (code: string, secret: string) => api<void>('POST', `${classPath(code)}/instructor`, { secret });

export const fetchRoster = (code: string) => api<Roster>('GET', classPath(code));

export const fetchCommands = (code: string, learnerId: string) =>
  api<{ commands: CommandRecord[] }>('GET', `${classPath(code)}/learners/${encodeURIComponent(learnerId)}/commands`);

export const closeClass = (code: string) => api<{ closedAt: string }>('POST', `${classPath(code)}/close`);

/** Same-origin addresses the dashboard links to or connects to (the instructor cookie goes along). */
export const classAddresses = (code: string) => ({
  events: `${classPath(code)}/events`,
  exportCsv: `${classPath(code)}/export.csv`,
  exportCommandsCsv: `${classPath(code)}/export.csv?table=commands`,
  exportJson: `${classPath(code)}/export.json`,
  terminal: (learnerId: string) => `${classPath(code)}/learners/${encodeURIComponent(learnerId)}/terminal`,
});

/** A time the server sent, as a Date (or undefined when never). */
export function toDate(time: string | null | undefined): Date | undefined {
  if (time === null || time === undefined || time === '') return undefined;
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
