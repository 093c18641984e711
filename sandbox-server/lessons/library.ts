import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeLessonError, LessonFrontmatter } from './schema.ts';

export interface Lesson {
  id: string;
  file: string;
  frontmatter: LessonFrontmatter;
}

export class LessonError extends Error {}

/** The frontmatter block at the top of an MDX file. */
export function readFrontmatter(text: string, file: string): unknown {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) throw new LessonError(`${file}: the file must start with a frontmatter block between --- lines`);
  try {
    return parseYaml(match[1]!);
  } catch (error) {
    throw new LessonError(`${file}: the frontmatter is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Lessons the server knows by id (the file name without .mdx), read from the lessons folder. */
export class LessonLibrary {
  readonly #lessons = new Map<string, Lesson>();
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
    this.reload();
  }

  reload(): void {
    this.#lessons.clear();
    let names: string[] = [];
    try {
      names = readdirSync(this.directory).filter((name) => name.endsWith('.mdx') && !name.startsWith('_'));
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(this.directory, name);
      const raw = readFrontmatter(readFileSync(file, 'utf8'), path.relative(process.cwd(), file));
      const parsed = LessonFrontmatter.safeParse(raw);
      if (!parsed.success) throw new LessonError(describeLessonError(name, parsed.error));
      const id = name.replace(/\.mdx$/, '');
      this.#lessons.set(id, { id, file, frontmatter: parsed.data });
    }
  }

  get(id: string): Lesson | undefined {
    return this.#lessons.get(id);
  }

  all(): Lesson[] {
    return [...this.#lessons.values()].sort((a, b) => a.frontmatter.order - b.frontmatter.order);
  }
}
