import { getCollection, type CollectionEntry } from 'astro:content';
import type { LessonFrontmatter } from '../../sandbox-server/lessons/schema.ts';

export type LessonEntry = CollectionEntry<'lessons'>;

/** Every lesson in course order. */
export async function courseLessons(): Promise<LessonEntry[]> {
  const lessons = await getCollection('lessons');
  return lessons.sort((a, b) => a.data.order - b.data.order);
}

/** A lesson as navigation shows it: the menu, the previous and next links. */
export interface LessonLink {
  id: string;
  url: string;
  title: string;
}

export function lessonUrl(id: string): string {
  return `/lessons/${id}/`;
}

/** What the Build button types. */
export function buildCommand(lesson: LessonFrontmatter): string {
  return `docker build -t ${lesson.image} .`;
}

/** What the Run button types: docker run [--rm] <args> <image> [command]. */
export function runCommand(lesson: LessonFrontmatter): string {
  const { run, image } = lesson;
  return ['docker run', run.remove ? '--rm' : '', run.args, image, run.command ?? '']
    .map((part) => part.trim())
    .filter(Boolean)
    .join(' ');
}
