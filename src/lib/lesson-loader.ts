import path from 'node:path';
import { AstroError } from 'astro/errors';
import { glob } from 'astro/loaders';
import type { Loader, LoaderContext } from 'astro/loaders';
import { describeLessonError, LessonFrontmatter } from '../../sandbox-server/lessons/schema.ts';

/** LAYERLAB_LESSONS_DIR, as the sandbox server reads it, so both always load the same lessons. */
export function lessonsDirectory(): string {
  return path.resolve(process.env.LAYERLAB_LESSONS_DIR ?? 'lessons');
}

/**
 * Astro's glob loader over lessons/*.mdx (files starting with _ are drafts, as for the server),
 * with two changes: ids are file names as they are, and a frontmatter that breaks the contract
 * stops the build with the server's own sentences ("lessons/01-x.mdx: checks.0.port: …"), not
 * Astro's generic "data does not match collection schema".
 */
export function lessonLoader(): Loader {
  const directory = lessonsDirectory();
  const inner = glob({
    base: directory,
    pattern: '[^_]*.mdx',
    generateId: ({ entry }) => entry.replace(/\.mdx$/, ''),
  });
  return {
    name: 'layerlab-lessons',
    load: (context: LoaderContext) =>
      inner.load({
        ...context,
        parseData: async (entry) => {
          const parsed = LessonFrontmatter.safeParse(entry.data);
          if (!parsed.success) {
            const file = path.relative(process.cwd(), entry.filePath ?? path.join(directory, `${entry.id}.mdx`));
            throw lessonError(describeLessonError(file, parsed.error));
          }
          return context.parseData(entry);
        },
      }),
  };
}

/** Shown by Astro as "[LessonError] lessons/x.mdx: field: what is wrong", without a stack trace. */
function lessonError(sentences: string): Error {
  const error = new AstroError(
    sentences,
    'Each line names the lesson file and the frontmatter field; sandbox-server/lessons/schema.ts documents every field.',
  );
  error.name = 'LessonError';
  // The stack would point into this loader, which is not where the mistake is.
  error.stack = '';
  return error;
}
