/**
 * Progress marks from the learner's progress (progress.ts: the class's record, or this browser's):
 * the course list's badges on the home
 * page, and the lesson menu and previous/next links on a lesson page. Any link with
 * data-lesson-id that holds a [data-status] badge is marked; the badge's text goes into its
 * [data-status-text] (or the badge itself).
 */
import { courseProgress } from './progress.ts';
import { PROGRESS_EVENT, type LessonProgress } from './storage.ts';

function describe(lesson: LessonProgress | undefined): { status: 'new' | 'started' | 'complete'; text: string } {
  if (!lesson) return { status: 'new', text: 'Not started' };
  if (lesson.status === 'complete') return { status: 'complete', text: 'Complete' };
  return { status: 'started', text: lesson.total > 0 ? `In progress · ${lesson.passed.length}/${lesson.total} checks` : 'In progress' };
}

/**
 * Marks every lesson link under root; returns how many of the required ones (links without
 * data-optional) are complete, so an optional lesson never stands between a learner and "complete".
 */
export function markLessonLinks(progress: Record<string, LessonProgress>, root: ParentNode = document): { complete: number; total: number } {
  // Links only: the workspace carries data-lesson-id too, and its toolbar's status line is a
  // [data-status] that must not be overwritten with "Complete" or "In progress".
  const links = [...root.querySelectorAll<HTMLElement>('a[data-lesson-id]')].filter((link) => link.querySelector('[data-status]'));
  let complete = 0;
  let total = 0;
  // A course of optional lessons only counts them all.
  const counted = (link: HTMLElement) => link.dataset.optional === undefined || links.every((other) => other.dataset.optional !== undefined);
  for (const link of links) {
    const { status, text } = describe(progress[link.dataset.lessonId ?? '']);
    if (counted(link)) total += 1;
    if (status === 'complete' && counted(link)) complete += 1;
    const badge = link.querySelector<HTMLElement>('[data-status]')!;
    badge.dataset.status = status;
    (badge.querySelector('[data-status-text]') ?? badge).textContent = text;
  }
  return { complete, total };
}

/** The home page: badges, the "n of N complete" line, and Start becomes Continue. */
export async function showCourseProgress(): Promise<void> {
  const progress = await courseProgress();
  const { complete, total } = markLessonLinks(progress);
  const links = [...document.querySelectorAll<HTMLAnchorElement>('a[data-lesson-id]')];
  const firstUnfinished = links.find((link) => progress[link.dataset.lessonId ?? '']?.status !== 'complete' && link.dataset.optional === undefined);
  const summary = document.querySelector('[data-course-progress]');
  const started = Object.keys(progress).length > 0;
  const someOptional = links.length > total;
  if (summary && started) summary.textContent = `${complete} of ${total}${someOptional ? ' required lessons' : ''} complete`;
  const start = document.querySelector<HTMLAnchorElement>('[data-start]');
  if (start && started) {
    if (firstUnfinished) {
      start.href = firstUnfinished.href;
      start.textContent = `Continue: ${firstUnfinished.querySelector('.title')?.textContent ?? 'next lesson'} →`;
    } else {
      start.textContent = 'Course complete: start again from lesson 1 →';
    }
  }
}

/** A lesson page: marks its navigation now and whenever this page records progress. */
export function showNavigationProgress(): void {
  const paint = async () => {
    const progress = await courseProgress();
    markLessonLinks(progress);
    // The menu lists every lesson once (the previous and next cards repeat two of them).
    const menu = document.querySelector('[data-lesson-menu]');
    const count = document.querySelector('[data-menu-count]');
    if (menu && count) {
      const { complete, total } = markLessonLinks(progress, menu);
      const someOptional = menu.querySelectorAll('a[data-optional]').length > 0 && total < menu.querySelectorAll('a[data-lesson-id]').length;
      count.textContent = `${complete}/${total}${someOptional ? ' required' : ''} done`;
    }
  };
  void paint();
  window.addEventListener(PROGRESS_EVENT, () => void paint());
  window.addEventListener('storage', () => void paint());
}
