import path from 'node:path';
import { parseDocument } from 'yaml';
import { yamlErrorPlace } from '../format/yaml-errors.ts';
import { policyFromEnv } from '../config/policy.ts';
import type { WorkspaceCaps } from '../sessions/workspace.ts';
import { LessonError, lessonFolderNames, readLessonFolder, type LessonFolder } from './folder.ts';
import { describeLessonError, parseFrontmatterData, type LessonFrontmatter } from './schema.ts';

export { LessonError } from './folder.ts';

export interface Lesson {
  /** The folder's name: lessons/<id>/. */
  id: string;
  /** Its lesson.mdx. */
  file: string;
  frontmatter: LessonFrontmatter;
  /** The starter workspace, from files/. */
  files: Record<string, string>;
  /** The files the solution changes or adds, from solution/. */
  solution: Record<string, string>;
}

/** The finished workspace: the starter files with the solution's laid over them. */
export function solutionFiles(lesson: Pick<Lesson, 'files' | 'solution'>): Map<string, string> {
  return new Map([...Object.entries(lesson.files), ...Object.entries(lesson.solution)]);
}

/** An MDX file's frontmatter block, parsed, the body after it, and the line the body starts on. */
export function splitFrontmatter(text: string, file: string): { data: unknown; body: string; bodyLine: number } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) throw new LessonError(`${file}: the file must start with a frontmatter block between --- lines`);
  const document = parseDocument(match[1]!, { prettyErrors: true });
  if (document.errors.length > 0) {
    // The YAML starts on the file's line 2, after the opening ---.
    throw new LessonError(
      document.errors
        .map((error) => {
          const { line, message } = yamlErrorPlace(error, 1);
          return `${file}${line === undefined ? '' : `:${line}`}: the frontmatter is not valid YAML: ${message}`;
        })
        .join('\n'),
    );
  }
  const bodyLine = match[0].split('\n').length - (match[0].endsWith('\n') ? 0 : 1);
  return { data: document.toJS({ maxAliasCount: 100 }), body: text.slice(match[0].length), bodyLine };
}

/** The frontmatter block at the top of an MDX file. */
export function readFrontmatter(text: string, file: string): unknown {
  return splitFrontmatter(text, file).data;
}

/** Validates a lesson folder's frontmatter; every problem is a LessonError naming the file. */
export function lessonFromFolder({ id, file, text, files, solution }: LessonFolder): Lesson {
  const shown = path.relative(process.cwd(), file);
  const data = readFrontmatter(text, shown);
  const parsed = parseFrontmatterData(data);
  if (!parsed.success) throw new LessonError(describeLessonError(shown, parsed.error, data));
  const problems = duplicateCheckIds(shown, parsed.data);
  if (problems.length > 0) throw new LessonError(problems.join('\n'));
  return { id, file, frontmatter: parsed.data, files, solution };
}

/** Reads and validates one lesson folder; every problem is a LessonError naming the file. */
export function loadLesson(folder: string, caps: WorkspaceCaps): Lesson {
  return lessonFromFolder(readLessonFolder(folder, caps));
}

/** A check's id as the learner's progress keeps it: its own, or its position counting from 1. */
export function checkId(check: { id?: string | undefined }, index: number): string {
  return check.id ?? String(index + 1);
}

/** Sentences for two checks of one lesson sharing an id, which would share the learner's progress. */
export function duplicateCheckIds(file: string, frontmatter: LessonFrontmatter): string[] {
  const first = new Map<string, number>();
  const problems: string[] = [];
  frontmatter.checks.forEach((check, index) => {
    const id = checkId(check, index);
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, index);
    else problems.push(`${file}: checks[${index}] ("${id}"): has the same id as checks[${earlier}]; give each check its own id`);
  });
  return problems;
}

/** Sentences for two lessons with the same order, whose place in the course would be a coin toss. */
export function duplicateOrders(lessons: readonly Pick<Lesson, 'file' | 'frontmatter'>[]): string[] {
  const first = new Map<number, string>();
  const problems: string[] = [];
  for (const lesson of lessons) {
    const shown = path.relative(process.cwd(), lesson.file);
    const earlier = first.get(lesson.frontmatter.order);
    if (earlier === undefined) first.set(lesson.frontmatter.order, shown);
    else problems.push(`${shown}: order: ${lesson.frontmatter.order} is also the order of ${earlier}; each lesson needs its own number`);
  }
  return problems;
}

/** Lessons the server knows by id (the folder's name), read from the lessons folder. */
export class LessonLibrary {
  readonly #lessons = new Map<string, Lesson>();
  readonly directory: string;
  readonly #caps: WorkspaceCaps;

  /** caps: the workspace caps lesson files are held to, the server's own policy by default. */
  constructor(directory: string, caps: WorkspaceCaps = policyFromEnv().build) {
    this.directory = directory;
    this.#caps = caps;
    this.reload();
  }

  /** Reads every lesson again; on an error the lessons read before stay as they were. */
  reload(): void {
    const lessons = lessonFolderNames(this.directory).map((name) => loadLesson(path.join(this.directory, name), this.#caps));
    const duplicates = duplicateOrders(lessons);
    if (duplicates.length > 0) throw new LessonError(duplicates.join('\n'));
    this.#lessons.clear();
    for (const lesson of lessons) this.#lessons.set(lesson.id, lesson);
  }

  get(id: string): Lesson | undefined {
    return this.#lessons.get(id);
  }

  all(): Lesson[] {
    return [...this.#lessons.values()].sort((a, b) => a.frontmatter.order - b.frontmatter.order);
  }
}
