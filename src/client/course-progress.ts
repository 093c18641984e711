/**
 * Progress marks from what this browser remembers (storage.ts): the course list's badges on the home
 * page, and the lesson menu and previous/next links on a lesson page. Any link with
 * data-lesson-id that holds a [data-status] badge is marked; the badge's text goes into its
 * [data-status-text] (or the badge itself).
 */
import { loadProgress, PROGRESS_EVENT, type LessonProgress } from './storage.ts';

function describe(lesson: LessonProgress | undefined): { status: 'new' | 'started' | 'complete'; text: string } {
  if (!lesson) return { status: 'new', text: 'Not started' };
  if (lesson.status === 'complete') return { status: 'complete', text: 'Complete' };
  return { status: 'started', text: lesson.total > 0 ? `In progress · ${lesson.passed.length}/${lesson.total} checks` : 'In progress' };
}

/** Marks every lesson link under root; returns how many of them are complete. */
export function markLessonLinks(root: ParentNode = document): { complete: number; total: number } {
  const progress = loadProgress();
  // Links only: the workspace carries data-lesson-id too, and its toolbar's status line is a
  // [data-status] that must not be overwritten with "Complete" or "In progress".
  const links = [...root.querySelectorAll<HTMLElement>('a[data-lesson-id]')].filter((link) => link.querySelector('[data-status]'));
  let complete = 0;
  for (const link of links) {
    const { status, text } = describe(progress[link.dataset.lessonId ?? '']);
    if (status === 'complete') complete += 1;
    const badge = link.querySelector<HTMLElement>('[data-status]')!;
    badge.dataset.status = status;
    (badge.querySelector('[data-status-text]') ?? badge).textContent = text;
  }
  return { complete, total: links.length };
}

/** The home page: badges, the "n of N complete" line, and Start becomes Continue. */
export function showCourseProgress(): void {
  const progress = loadProgress();
  const { complete, total } = markLessonLinks();
  const links = [...document.querySelectorAll<HTMLAnchorElement>('a[data-lesson-id]')];
  const firstUnfinished = links.find((link) => progress[link.dataset.lessonId ?? '']?.status !== 'complete');
  const summary = document.querySelector('[data-course-progress]');
  const started = Object.keys(progress).length > 0;
  if (summary && started) summary.textContent = `${complete} of ${total} complete`;
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
  const paint = () => {
    markLessonLinks();
    // The menu lists every lesson once (the previous and next cards repeat two of them).
    const menu = document.querySelector('[data-lesson-menu]');
    const count = document.querySelector('[data-menu-count]');
    if (menu && count) {
      const { complete, total } = markLessonLinks(menu);
      count.textContent = `${complete}/${total} done`;
    }
  };
  paint();
  window.addEventListener(PROGRESS_EVENT, paint);
  window.addEventListener('storage', paint);
}
