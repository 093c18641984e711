import { z } from 'zod';

/**
 * The lesson authoring contract: the frontmatter of every `lessons/*.mdx`. The site's content
 * collection and the sandbox server both validate lessons with this schema.
 */

const WORKSPACE_PATH = /^[\w.-]+(?:\/[\w.-]+)*$/;

/** Workspace files by path: the editor shows one tab per file. */
export const FileMap = z.record(
  z.string().regex(WORKSPACE_PATH, { error: 'file names use letters, digits, dots, dashes and underscores, with / between folders' }),
  z.string(),
);

export const LessonFrontmatter = z.object({
  /** Shown as the page title and in the course list. */
  title: z.string().min(1),
  /** One or two sentences for the course list. */
  summary: z.string().min(1),
  /** Position in the course; lessons are sorted by it. */
  order: z.number().int().nonnegative(),
  /** Files the learner starts with. */
  files: FileMap.refine((files) => Object.keys(files).length > 0, { error: 'a lesson needs at least one starter file' }),
  /** The finished workspace; Solve shows it and `layerlab lessons check` proves it passes. */
  solution: FileMap,
});
export type LessonFrontmatter = z.infer<typeof LessonFrontmatter>;

/** Turns a zod failure into sentences naming the file and the field. */
export function describeLessonError(file: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : 'frontmatter';
      return `${file}: ${field}: ${issue.message}`;
    })
    .join('\n');
}
