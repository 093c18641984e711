/**
 * What the browser keeps per learner, in localStorage: each lesson's workspace files (so a reload,
 * a lost connection or a server restart loses no edit), progress for the course list, and the
 * splitter positions. Every access tolerates storage being full, blocked or corrupt.
 */

export type FileMap = Record<string, string>;

export type LessonStatus = 'started' | 'complete';

export interface LessonProgress {
  status: LessonStatus;
  /** Checks that passed last time they ran. */
  passed: string[];
  total: number;
  updatedAt: number;
}

const PREFIX = 'layerlab:v1:';
const filesKey = (lessonId: string) => `${PREFIX}files:${lessonId}`;
const PROGRESS_KEY = `${PREFIX}progress`;
const LAYOUT_KEY = `${PREFIX}layout`;
const quizKey = (lessonId: string) => `${PREFIX}quiz:${lessonId}`;
const ACTIVE_KEY = `${PREFIX}active`;

/** Dispatched on window when this page records progress, so navigation can repaint its marks. */
export const PROGRESS_EVENT = 'layerlab:progress';

function read<T>(key: string): T | undefined {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Full or blocked storage: the server still has the files; nothing else to do.
  }
}

function isFileMap(value: unknown): value is FileMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((content) => typeof content === 'string')
  );
}

/** The learner's files for a lesson, if they have ever changed them. */
export function loadFiles(lessonId: string): FileMap | undefined {
  const files = read<unknown>(filesKey(lessonId));
  return isFileMap(files) && Object.keys(files).length > 0 ? files : undefined;
}

export function saveFiles(lessonId: string, files: FileMap): void {
  write(filesKey(lessonId), files);
}

export function loadProgress(): Record<string, LessonProgress> {
  const progress = read<Record<string, LessonProgress>>(PROGRESS_KEY);
  return progress && typeof progress === 'object' ? progress : {};
}

/** Marks a lesson started (it never goes back from complete to started by itself). */
export function markStarted(lessonId: string, total: number): void {
  const progress = loadProgress();
  if (progress[lessonId]) return;
  progress[lessonId] = { status: 'started', passed: [], total, updatedAt: Date.now() };
  write(PROGRESS_KEY, progress);
  window.dispatchEvent(new Event(PROGRESS_EVENT));
}

/** Records the latest check results; a lesson whose checks all passed once stays complete. */
export function recordChecks(lessonId: string, passed: string[], total: number): void {
  const progress = loadProgress();
  const before = progress[lessonId];
  const complete = before?.status === 'complete' || (total > 0 && passed.length === total);
  progress[lessonId] = { status: complete ? 'complete' : 'started', passed, total, updatedAt: Date.now() };
  write(PROGRESS_KEY, progress);
  window.dispatchEvent(new Event(PROGRESS_EVENT));
}

/**
 * Whether the learner has done anything in a lesson yet (run a command, edited a file): until then
 * a failing check reads "to do", not as a mistake.
 */
export function isLessonActive(lessonId: string): boolean {
  const active = read<Record<string, number>>(ACTIVE_KEY);
  return Boolean(active && typeof active === 'object' && active[lessonId]);
}

export function markLessonActive(lessonId: string): void {
  if (isLessonActive(lessonId)) return;
  const active = read<Record<string, number>>(ACTIVE_KEY);
  write(ACTIVE_KEY, { ...(active && typeof active === 'object' && !Array.isArray(active) ? active : {}), [lessonId]: Date.now() });
}

/** The option the learner chose in each quiz of a lesson, by quiz id. */
export function loadQuizAnswers(lessonId: string): Record<string, number> {
  const answers = read<Record<string, number>>(quizKey(lessonId));
  return answers && typeof answers === 'object' && !Array.isArray(answers) ? answers : {};
}

/** Remembers a quiz answer; undefined forgets it (Try again). */
export function saveQuizAnswer(lessonId: string, quizId: string, option: number | undefined): void {
  const answers = loadQuizAnswers(lessonId);
  if (option === undefined) delete answers[quizId];
  else answers[quizId] = option;
  write(quizKey(lessonId), answers);
}

/** Layout key: 1 when the learner collapsed the checks panel. */
export const CHECKS_COLLAPSED = 'checks-collapsed';

export function loadLayout(): Record<string, number> {
  return read<Record<string, number>>(LAYOUT_KEY) ?? {};
}

export function saveLayout(key: string, value: number): void {
  write(LAYOUT_KEY, { ...loadLayout(), [key]: value });
}
