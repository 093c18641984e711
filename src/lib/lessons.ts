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
  /** The author's time estimate, if given. */
  minutes?: number;
  optional: boolean;
}

export function lessonUrl(id: string): string {
  return `/lessons/${id}/`;
}

export function lessonLink(lesson: LessonEntry): LessonLink {
  const { title, minutes, optional } = lesson.data;
  return { id: lesson.id, url: lessonUrl(lesson.id), title, optional, ...(minutes === undefined ? {} : { minutes }) };
}

/** "about 15 min", "optional", both or neither: what a lesson's estimate and kind say in a list. */
export function lessonFacts(lesson: Pick<LessonLink, 'minutes' | 'optional'>): string[] {
  return [...(lesson.minutes === undefined ? [] : [`about ${duration(lesson.minutes)}`]), ...(lesson.optional ? ['optional'] : [])];
}

/** 45 min, 1 h 30 min. */
export function duration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours === 0 ? `${rest} min` : rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** The course's time, from the lessons that have an estimate: the required ones, and the optional ones apart. */
export function courseDuration(lessons: LessonEntry[]): { required: number; optional: number; estimated: number } {
  const estimated = lessons.filter((lesson) => lesson.data.minutes !== undefined);
  const sum = (list: LessonEntry[]) => list.reduce((total, lesson) => total + (lesson.data.minutes ?? 0), 0);
  return {
    required: sum(estimated.filter((lesson) => !lesson.data.optional)),
    optional: sum(estimated.filter((lesson) => lesson.data.optional)),
    estimated: estimated.length,
  };
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
