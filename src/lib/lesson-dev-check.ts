import path from 'node:path';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';
import { checkCourseStatically } from '../../sandbox-server/lessons/static-check.ts';
import { lessonError, lessonsDirectory } from './lesson-loader.ts';

/**
 * In `astro dev`, the lesson page calls this before it renders: its folder is checked again from
 * disk with the same code as `layerlab lessons check --static`, so a save that breaks the lesson
 * shows its sentence (with the file and line) in Astro's error overlay on the page, never the last
 * good version. The whole course is read, so a clashing order shows too; it takes milliseconds.
 */
export async function assertLessonSound(id: string): Promise<void> {
  const directory = lessonsDirectory();
  const { problems } = await checkCourseStatically(directory, policyFromEnv().build, [id]);
  if (problems.length === 0) return;
  const error = lessonError(problems.join('\n'));
  const place = /^(.+?\.mdx)(?::(\d+))?: /.exec(problems[0]!);
  if (place) (error as Error & { loc?: { file: string; line?: number } }).loc = { file: path.resolve(place[1]!), line: place[2] ? Number(place[2]) : undefined };
  throw error;
}
