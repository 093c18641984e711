import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { issueSentence, pathText, strictObject } from '../format/schema-sentences.ts';
import { yamlErrorSentence } from '../format/yaml-errors.ts';
import { PROJECT_ROOT } from '../project-root.ts';

/**
 * A course is a folder: `lessons/` (one folder per lesson), and optionally `course.yml` (its title
 * and summary for the home page) and `catalogue.yml` (base images it adds to the shipped
 * catalogue, in the catalogue's own format). This repository is the default course; a school
 * keeps its own in a repository of its own and serves it with `layerlab serve --course DIR` or
 * LAYERLAB_COURSE=DIR. The site build and the server both resolve the course here, so they
 * always agree on which lessons they serve.
 */

export const COURSE_FILE = 'course.yml';
export const COURSE_LESSONS_FOLDER = 'lessons';
export const COURSE_CATALOGUE_FILE = 'catalogue.yml';

export const CourseFile = strictObject({
  title: z.string().min(1).max(120).describe("The course's name: the home page's heading and the browser tab's title"),
  summary: z.string().min(1).max(600).optional().describe('One or two sentences under the heading on the home page'),
}).describe(`A course's ${COURSE_FILE}, next to its lessons/ folder`);
export type CourseFile = z.infer<typeof CourseFile>;

export interface Course {
  /** The course's folder, with symbolic links resolved. */
  root: string;
  /** This repository's own course, whose catalogue.yml is the shipped catalogue rather than an addition. */
  shipped: boolean;
  /** Its lessons: `<root>/lessons`, or LAYERLAB_LESSONS_DIR when that is set. */
  lessonsDir: string;
  /** Base images this course adds to the shipped catalogue: its catalogue.yml, when it is not the shipped course. */
  catalogueFile: string | undefined;
  title: string;
  summary: string | undefined;
}

export class CourseError extends Error {}

/** A course file is a few lines; this only stops a runaway file from being read whole. */
const MAX_COURSE_FILE_BYTES = 64 * 1024;

const isFolder = (folder: string) => existsSync(folder) && statSync(folder).isDirectory();

/**
 * The course LAYERLAB_COURSE names (this repository when unset), with LAYERLAB_LESSONS_DIR taking
 * its lessons' place when set. `named` is how the sentences name where the folder came from
 * (`--course` on the command line says so).
 */
export function courseFromEnv(env: Record<string, string | undefined> = process.env, named = 'LAYERLAB_COURSE'): Course {
  const given = env.LAYERLAB_COURSE || undefined;
  const shown = given ? `${named} (${given})` : PROJECT_ROOT;
  if (given && !isFolder(given)) {
    throw new CourseError(`${shown}: is not a folder; a course is a folder holding ${COURSE_LESSONS_FOLDER}/ (and optionally ${COURSE_FILE} and ${COURSE_CATALOGUE_FILE})`);
  }
  const root = realpathSync(given ?? PROJECT_ROOT);
  const shipped = root === realpathSync(PROJECT_ROOT);
  const lessonsGiven = env.LAYERLAB_LESSONS_DIR || undefined;
  const lessonsDir = path.resolve(lessonsGiven ?? path.join(root, COURSE_LESSONS_FOLDER));
  if (!isFolder(lessonsDir)) {
    throw new CourseError(
      lessonsGiven
        ? `LAYERLAB_LESSONS_DIR (${lessonsGiven}): is not a folder of lessons`
        : `${shown}: has no ${COURSE_LESSONS_FOLDER}/ folder; a course keeps one folder per lesson there (docs/authoring.md)`,
    );
  }
  const catalogueFile = path.join(root, COURSE_CATALOGUE_FILE);
  const file = path.join(root, COURSE_FILE);
  return {
    root,
    shipped,
    lessonsDir,
    catalogueFile: !shipped && existsSync(catalogueFile) ? catalogueFile : undefined,
    // Without a course.yml, the folder's name is the title: a course needs nothing but lessons.
    ...{ title: path.basename(root), summary: undefined },
    ...(existsSync(file) ? readCourseFile(file) : {}),
  };
}

/** Reads and validates a course.yml; a problem is a sentence naming the file, the line or the key. */
export function readCourseFile(file: string): CourseFile {
  const size = statSync(file).size;
  if (size > MAX_COURSE_FILE_BYTES) throw new CourseError(`${file}: is ${size} bytes; a course file holds a title and a summary, at most ${MAX_COURSE_FILE_BYTES} bytes`);
  const document = parseDocument(readFileSync(file, 'utf8'));
  const yamlError = document.errors[0];
  if (yamlError) throw new CourseError(yamlErrorSentence(file, yamlError));
  const parsed = CourseFile.safeParse(document.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw new CourseError(
      parsed.error.issues.map((issue) => `${file}: ${issue.path.length > 0 ? pathText(issue.path) : 'the file'}: ${issueSentence(issue)}`).join('\n'),
    );
  }
  return parsed.data;
}
