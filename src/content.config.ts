import { defineCollection } from 'astro:content';
import { lessonLoader } from './lib/lesson-loader.ts';
import { LessonEntryData } from '../sandbox-server/lessons/schema.ts';

/**
 * The lessons: one folder each, `lessons/<NN-slug>/` with lesson.mdx, files/ and solution/,
 * validated against the same contract the sandbox server uses. The entry id is the folder's name,
 * as the server's LessonLibrary names lessons, so a page and its sandbox session always agree on
 * which lesson this is.
 */
const lessons = defineCollection({
  loader: lessonLoader(),
  schema: LessonEntryData,
});

export const collections = { lessons };
