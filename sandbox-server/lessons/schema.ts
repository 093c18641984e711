import { z } from 'zod';
import { catalogueReferences } from '../images/catalogue.ts';

/**
 * The lesson authoring contract: the frontmatter of every `lessons/<NN-slug>/lesson.mdx`. The
 * site's content collection and the sandbox server both validate lessons with this schema, and
 * docs/authoring.md documents it field by field. The workspaces are real files next to it
 * (lessons/folder.ts reads them), not frontmatter.
 */

/** Workspace files by path, as read from a lesson's files/ or solution/ folder. */
export const FileMap = z
  .record(z.string(), z.string())
  .describe('Workspace files by path (folders joined with /), each with its text');

/** A hint, or several revealed one at a time, from gentle to explicit. */
const Hints = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Fields every check has. */
const CheckBase = z.object({
  /** Stable id for progress; defaults to the check's position. */
  id: z.string().regex(/^[\w-]+$/, { error: 'ids use letters, digits, dashes and underscores' }).optional(),
  /** What the learner must achieve, shown in the checks panel: "An image tagged hello exists". */
  title: z.string().min(1),
  /** Shown when the check fails, after the reason. */
  hint: Hints.optional(),
  /**
   * The sentence shown when the check fails, in place of the one the check writes itself (except a
   * sentence about what the learner actually did, like "You ran …, but it failed"). Worth giving
   * for `dockerfile` checks with a pattern, whose own sentence can only quote the pattern.
   */
  reason: z.string().min(1).optional(),
});

const ImageName = z.string().min(1, { error: 'name the image, like hello or hello:v2' });

export const Check = z.discriminatedUnion('kind', [
  /** An image with this tag exists (or, with `present: false`, is gone). */
  CheckBase.extend({ kind: z.literal('image'), image: ImageName, present: z.boolean().default(true) }),
  /** The image has at most (or at least) this many layers that add files. */
  CheckBase.extend({
    kind: z.literal('layers'),
    image: ImageName,
    max: z.number().int().positive().optional(),
    min: z.number().int().nonnegative().optional(),
  }).refine((check) => check.max !== undefined || check.min !== undefined, { error: 'give max or min (or both)' }),
  /** The image's configuration: any of base, env, expose, cmd, entrypoint, user, workdir. */
  CheckBase.extend({
    kind: z.literal('image-config'),
    image: ImageName,
    /** The catalogue image (or own image) it was built FROM, like node:18-slim. */
    base: z.string().optional(),
    /** Variables that must be set, with these values (or any value, with "*"). */
    env: z.record(z.string(), z.string()).optional(),
    /** Ports the image EXPOSEs, like [3000] or ["53/udp"]. */
    expose: z.array(z.union([z.number().int().positive(), z.string()])).optional(),
    cmd: z.array(z.string()).optional(),
    entrypoint: z.array(z.string()).optional(),
    /** The USER; "non-root" accepts any user but root and 0. */
    user: z.string().optional(),
    workdir: z.string().optional(),
  }),
  /** A container is running, optionally from this image or with this name. */
  CheckBase.extend({
    kind: z.literal('container'),
    image: z.string().optional(),
    name: z.string().optional(),
    state: z.enum(['running', 'exited', 'any', 'none']).default('running'),
  }),
  /** A running container publishes this host port (docker run -p PORT:…). */
  CheckBase.extend({ kind: z.literal('publishes'), port: z.number().int().min(1).max(65535) }),
  /** GET on a published port answers with this status and/or text. */
  CheckBase.extend({
    kind: z.literal('http'),
    port: z.number().int().min(1).max(65535),
    path: z.string().startsWith('/').default('/'),
    status: z.number().int().min(100).max(599).default(200),
    contains: z.string().optional(),
  }),
  /** The Dockerfile contains (or avoids) an instruction or pattern. */
  CheckBase.extend({
    kind: z.literal('dockerfile'),
    file: z.string().default('Dockerfile'),
    /** A regular expression (case-insensitive, per line or across lines) that must match. */
    contains: z.string().optional(),
    /** A regular expression that must not match. */
    avoids: z.string().optional(),
    /** An instruction keyword that must appear (FROM, RUN, …), optionally at least this often. */
    instruction: z.string().regex(/^[A-Za-z]+$/).optional(),
    count: z.number().int().nonnegative().optional(),
  }).refine((check) => check.contains || check.avoids || check.instruction, {
    error: 'give contains, avoids or instruction',
  }),
  /** The class registry holds this repository:tag of the learner's, like localhost:5000/app:v1. */
  CheckBase.extend({ kind: z.literal('pushed'), image: ImageName }),
  /** The learner ran a command matching this regular expression (and it succeeded, unless `success: false`). */
  CheckBase.extend({
    kind: z.literal('command'),
    pattern: z.string().min(1),
    success: z.boolean().default(true),
  }),
]);
export type Check = z.infer<typeof Check>;

/** Per-lesson tightening of the server's sandbox policy. */
export const SandboxOverrides = z
  .object({
    /** Running containers this lesson may keep at once (at most the server's limit). */
    runningContainers: z.number().int().positive().optional(),
    /** Base images this lesson allows, a subset of the catalogue, like ["busybox", "nginx:1.22"]. */
    baseImages: z
      .array(
        z.string().refine((name) => catalogueReferences().includes(name.includes(':') ? name : `${name}:latest`), {
          error: (issue) => `${String(issue.input)} is not in the base-image catalogue (${catalogueReferences().join(', ')})`,
        }),
      )
      .optional(),
  })
  .strict();
export type SandboxOverrides = z.infer<typeof SandboxOverrides>;

/** What the Run button types: `docker run --rm <args> <image> <command>`. */
const RunButton = z
  .object({
    /** Flags before the image, like "-p 8080:80" or "-d --name web -p 8080:80". */
    args: z.string().default(''),
    /** The container's command and its arguments, after the image. */
    command: z.string().optional(),
    /** Add --rm (default) so finished containers don't pile up. */
    remove: z.boolean().default(true),
  })
  .strict();

export const LessonFrontmatter = z
  .object({
    /** Shown as the page title and in the course list. */
    title: z.string().min(1),
    /** One or two sentences for the course list. */
    summary: z.string().min(1),
    /** Position in the course; lessons are sorted by it and numbers must be unique. */
    order: z.number().int().nonnegative(),
    /** What the learner will be able to do, as a short list. */
    objectives: z.array(z.string().min(1)).min(1, { error: 'list at least one objective' }),
    /** The image name the Build and Run buttons use: `docker build -t <image> .`. */
    image: z.string().regex(/^[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]*)?$/, { error: 'use a lowercase image name like hello or web:v1' }),
    run: RunButton.default({ args: '', remove: true }),
    /**
     * Terminal commands that finish the solution after its files are in place, in order, as
     * `layerlab lessons check` types them (for checks about containers, runs and commands).
     */
    solutionCommands: z.array(z.string().min(1)).default([]),
    checks: z.array(Check).default([]),
    sandbox: SandboxOverrides.optional(),
  })
  .strict();
export type LessonFrontmatter = z.infer<typeof LessonFrontmatter>;

/** A whole lesson as the site's content collection holds it: the frontmatter and its two workspaces. */
export const LessonEntryData = LessonFrontmatter.extend({
  files: FileMap.describe('The starter workspace: the lesson folder\'s files/'),
  solution: FileMap.describe('The files the solution changes or adds: the lesson folder\'s solution/, laid over files/'),
});
export type LessonEntryData = z.infer<typeof LessonEntryData>;

/** Fields of the old single-file layout, now folders next to lesson.mdx: the sentence says where they went. */
const MOVED_FIELDS: Record<string, string> = {
  files: 'the starter files now live in the files/ folder next to lesson.mdx, one real file each; remove this field',
  solution: 'the solution now lives in the solution/ folder next to lesson.mdx, holding only the files that change; remove this field',
};

/** Turns a zod failure into sentences naming the file and the field. */
export function describeLessonError(file: string, error: z.ZodError): string {
  return error.issues
    .flatMap((issue) => {
      if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
        const moved = issue.keys.filter((key) => Object.hasOwn(MOVED_FIELDS, key));
        const others = issue.keys.filter((key) => !Object.hasOwn(MOVED_FIELDS, key));
        const lines = moved.map((key) => `${file}: ${key}: ${MOVED_FIELDS[key]}`);
        if (others.length > 0) {
          const listed = others.map((key) => `"${key}"`).join(', ');
          lines.push(`${file}: frontmatter: Unrecognized key${others.length > 1 ? 's' : ''}: ${listed}`);
        }
        return lines;
      }
      const field = issue.path.length > 0 ? issue.path.join('.') : 'frontmatter';
      return [`${file}: ${field}: ${issue.message}`];
    })
    .join('\n');
}
