import { defineCollection } from 'astro:content';
import { lessonLoader } from './lib/lesson-loader.ts';
import { LessonFrontmatter } from '../sandbox-server/lessons/schema.ts';

/**
 * The lessons: `lessons/<NN-slug>.mdx`, validated against the same frontmatter contract the
 * sandbox server uses. The entry id is the file name without `.mdx`, as the server's LessonLibrary
 * names lessons, so a page and its sandbox session always agree on which lesson this is.
 */
const lessons = defineCollection({
  loader: lessonLoader(),
  schema: LessonFrontmatter,
});

export const collections = { lessons };
