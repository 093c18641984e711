import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { policyFromEnv } from '../config/policy.ts';
import type { WorkspaceCaps } from '../sessions/workspace.ts';
import { LessonError, lessonFolderNames, readLessonFolder } from './folder.ts';
import { describeLessonError, LessonFrontmatter } from './schema.ts';

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

/** An MDX file's frontmatter block, parsed, and the body after it. */
export function splitFrontmatter(text: string, file: string): { data: unknown; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) throw new LessonError(`${file}: the file must start with a frontmatter block between --- lines`);
  try {
    return { data: parseYaml(match[1]!), body: text.slice(match[0].length) };
  } catch (error) {
    throw new LessonError(`${file}: the frontmatter is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The frontmatter block at the top of an MDX file. */
export function readFrontmatter(text: string, file: string): unknown {
  return splitFrontmatter(text, file).data;
}

/** Reads and validates one lesson folder; every problem is a LessonError naming the file. */
export function loadLesson(folder: string, caps: WorkspaceCaps): Lesson {
  const { id, file, text, files, solution } = readLessonFolder(folder, caps);
  const shown = path.relative(process.cwd(), file);
  const parsed = LessonFrontmatter.safeParse(readFrontmatter(text, shown));
  if (!parsed.success) throw new LessonError(describeLessonError(shown, parsed.error));
  return { id, file, frontmatter: parsed.data, files, solution };
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
