/** The course list's per-lesson status, from what this browser remembers (storage.ts). */
import { loadProgress } from './storage.ts';

export function showCourseProgress(): void {
  const progress = loadProgress();
  const links = [...document.querySelectorAll<HTMLAnchorElement>('a[data-lesson-id]')];
  let complete = 0;
  let firstUnfinished: HTMLAnchorElement | undefined;
  for (const link of links) {
    const lesson = progress[link.dataset.lessonId ?? ''];
    const badge = link.querySelector<HTMLElement>('[data-status]');
    if (lesson?.status === 'complete') complete += 1;
    else firstUnfinished ??= link;
    if (!badge || !lesson) continue;
    badge.dataset.status = lesson.status;
    badge.textContent =
      lesson.status === 'complete'
        ? 'Complete'
        : lesson.total > 0
          ? `In progress · ${lesson.passed.length}/${lesson.total} checks`
          : 'In progress';
  }
  const summary = document.querySelector('[data-course-progress]');
  if (summary && Object.keys(progress).length > 0) summary.textContent = `${complete} of ${links.length} complete`;
  const start = document.querySelector<HTMLAnchorElement>('[data-start]');
  if (start && firstUnfinished && Object.keys(progress).length > 0) {
    start.href = firstUnfinished.href;
    start.textContent = `Continue: ${firstUnfinished.querySelector('.title')?.textContent ?? 'next lesson'} →`;
  }
}
