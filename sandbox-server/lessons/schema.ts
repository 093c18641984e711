import { z } from 'zod';
import { catalogueReferences } from '../images/catalogue.ts';
import { checkLabel } from './check-label.ts';
import { didYouMean, issueSentence, oneOf, pathText, strictObject } from '../format/schema-sentences.ts';

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
const Hints = z
  .union([z.string().min(1, { error: 'is empty' }), z.array(z.string().min(1, { error: 'is empty' })).min(1, { error: 'needs at least one hint' })], {
    error: 'should be a sentence, or a list of sentences revealed one at a time',
  })
  .describe('Shown when the check fails, after the reason: one hint, or a list revealed one at a time, from gentle to explicit');

const Port = z.number().int().min(1, { error: 'should be a port from 1 to 65535' }).max(65535, { error: 'should be a port from 1 to 65535' });
const NonEmpty = z.string().min(1, { error: 'is empty' });
const ImageName = z.string().min(1, { error: 'name the image, like hello or hello:v2' }).describe('An image name, like hello or hello:v2');

/** Fields every check has. */
const CHECK_BASE = {
  id: z
    .string()
    .regex(/^[\w-]+$/, { error: 'ids use letters, digits, dashes and underscores' })
    .optional()
    .describe('Stable id for the learner\'s progress, unique in the lesson; defaults to the check\'s position'),
  title: NonEmpty.describe('What the learner must achieve, shown in the checks panel: "An image tagged hello exists"'),
  hint: Hints.optional(),
  reason: NonEmpty.optional().describe(
    'The sentence shown when the check fails, in place of the one the check writes itself (except a sentence about what the learner actually did)',
  ),
};

/** One kind of check: the common fields, its kind and its own fields, strict, so a misspelt key is an error. */
function checkKind<const Kind extends string, Shape extends z.ZodRawShape>(kind: Kind, description: string, shape: Shape) {
  return strictObject({ ...CHECK_BASE, kind: z.literal(kind), ...shape }).describe(description);
}

const CHECK_KINDS = ['image', 'layers', 'image-config', 'container', 'publishes', 'http', 'dockerfile', 'pushed', 'command'] as const;

export const Check = z.discriminatedUnion(
  'kind',
  [
    checkKind('image', 'An image with this tag exists (or, with present: false, is gone)', {
      image: ImageName,
      present: z.boolean().default(true).describe('false: the image must be gone'),
    }),
    checkKind('layers', 'The image has at most (or at least) this many layers that add files', {
      image: ImageName,
      max: z.number().int().positive().optional().describe('At most this many layers that add files'),
      min: z.number().int().nonnegative().optional().describe('At least this many layers that add files'),
    }).refine((check) => check.max !== undefined || check.min !== undefined, { error: 'give max or min (or both)' }),
    checkKind('image-config', "The image's configuration: any of base, env, expose, cmd, entrypoint, user, workdir", {
      image: ImageName,
      base: z.string().optional().describe('The catalogue image (or own image) it was built FROM, like node:18-slim'),
      env: z.record(z.string(), z.string()).optional().describe('Variables that must be set, with these values (or any value, with "*")'),
      expose: z.array(z.union([z.number().int().positive(), z.string()])).optional().describe('Ports the image EXPOSEs, like [3000] or ["53/udp"]'),
      cmd: z.array(z.string()).optional().describe('The CMD, as a list of words'),
      entrypoint: z.array(z.string()).optional().describe('The ENTRYPOINT, as a list of words'),
      user: z.string().optional().describe('The USER; "non-root" accepts any user but root and 0'),
      workdir: z.string().optional().describe('The WORKDIR'),
    }),
    checkKind('container', 'A container is running, optionally from this image or with this name', {
      image: z.string().optional().describe('Run from this image'),
      name: z.string().optional().describe('With this name'),
      state: oneOf(['running', 'exited', 'any', 'none']).default('running').describe('running (default), exited, any, or none (no such container)'),
    }),
    checkKind('publishes', 'A running container publishes this host port (docker run -p PORT:…)', {
      port: Port.describe('The host port'),
    }),
    checkKind('http', 'GET on a published port answers with this status and/or text', {
      port: Port.describe('The host port a container publishes'),
      path: z.string().startsWith('/', { error: 'should start with /' }).default('/').describe('The path to GET'),
      status: z.number().int().min(100, { error: 'should be an HTTP status from 100 to 599' }).max(599, { error: 'should be an HTTP status from 100 to 599' }).default(200).describe('The status expected'),
      contains: z.string().optional().describe('Text the answer must contain'),
    }),
    checkKind('dockerfile', 'The Dockerfile contains (or avoids) an instruction or pattern', {
      file: z.string().default('Dockerfile').describe('The workspace file to read'),
      contains: z.string().optional().describe('A regular expression (case-insensitive, per line or across lines) that must match'),
      avoids: z.string().optional().describe('A regular expression that must not match'),
      instruction: z.string().regex(/^[A-Za-z]+$/, { error: 'should be an instruction keyword like RUN or COPY' }).optional().describe('An instruction keyword that must appear (FROM, RUN, …)'),
      count: z.number().int().nonnegative().optional().describe('With instruction: at least this often'),
    }).refine((check) => check.contains || check.avoids || check.instruction, {
      error: 'give contains, avoids or instruction',
    }),
    checkKind('pushed', "The class registry holds this repository:tag of the learner's, like localhost:5000/app:v1", { image: ImageName }),
    checkKind('command', 'The learner ran a command matching this regular expression (and it succeeded, unless success: false)', {
      pattern: NonEmpty.describe('A regular expression the command line must match'),
      success: z.boolean().default(true).describe('false: the command may have failed'),
    }),
  ],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
      if (kind === undefined) return `is missing (one of ${CHECK_KINDS.join(', ')})`;
      return typeof kind === 'string'
        ? `is "${kind}", not a kind of check${didYouMean(kind, CHECK_KINDS)} (kinds: ${CHECK_KINDS.join(', ')})`
        : `should be one of ${CHECK_KINDS.join(', ')}`;
    },
  },
);
export type Check = z.infer<typeof Check>;

/** Per-lesson tightening of the server's sandbox policy. */
export const SandboxOverrides = strictObject({
  runningContainers: z.number().int().positive().optional().describe('Running containers this lesson may keep at once (at most the server\'s limit)'),
  baseImages: z
    .array(
      z.string().refine((name) => catalogueReferences().includes(name.includes(':') ? name : `${name}:latest`), {
        error: (issue) => `${String(issue.input)} is not in the base-image catalogue (${catalogueReferences().join(', ')})`,
      }),
    )
    .optional()
    .describe('Base images this lesson allows, a subset of the catalogue, like ["busybox", "nginx:1.22"]'),
}).describe("Per-lesson tightening of the server's sandbox policy");
export type SandboxOverrides = z.infer<typeof SandboxOverrides>;

/** What the Run button types: `docker run --rm <args> <image> <command>`. */
const RunButton = strictObject({
  args: z.string().default('').describe('Flags before the image, like "-p 8080:80" or "-d --name web -p 8080:80"'),
  command: z.string().optional().describe("The container's command and its arguments, after the image"),
  remove: z.boolean().default(true).describe("Add --rm (default) so finished containers don't pile up"),
}).describe('What the Run button types: docker run --rm <args> <image> <command>');

export const LessonFrontmatter = strictObject({
  title: NonEmpty.describe('Shown as the page title and in the course list'),
  summary: NonEmpty.describe('One or two sentences for the course list'),
  order: z.number().int().nonnegative().describe('Position in the course; lessons are sorted by it and numbers must be unique'),
  objectives: z.array(NonEmpty).min(1, { error: 'list at least one objective' }).describe('What the learner will be able to do, as a short list'),
  image: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]*)?$/, { error: 'use a lowercase image name like hello or web:v1' })
    .describe('The image name the Build and Run buttons use: docker build -t <image> .'),
  run: RunButton.default({ args: '', remove: true }),
  solutionCommands: z
    .array(NonEmpty)
    .default([])
    .describe('Terminal commands that finish the solution after its files are in place, in order, as layerlab lessons check types them'),
  checks: z.array(Check).default([]).describe('What the learner must achieve, each proven on the real engine'),
  sandbox: SandboxOverrides.optional(),
  optional: z.boolean().default(false).describe('An optional section the course can be finished without'),
  minutes: z
    .number()
    .int({ error: 'should be a whole number of minutes' })
    .positive({ error: 'should be at least 1' })
    .max(240, { error: 'should be at most 240 (four hours); split a longer lesson' })
    .optional()
    .describe('Time estimate in minutes, shown on the home page and in the menu'),
}).describe('The frontmatter of a Layerlab lesson (lessons/NN-slug/lesson.mdx); docs/authoring.md documents every field');
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

/** Parses frontmatter with the options that let sentences quote what the author wrote. */
export function parseFrontmatterData(data: unknown) {
  return LessonFrontmatter.safeParse(data, { reportInput: true });
}

/** The place an issue is about, as an author reads it: `order`, `run.args`, `checks[1] ("web").port`. */
function placeText(data: unknown, path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'frontmatter';
  if (path[0] === 'checks' && typeof path[1] === 'number') {
    const rest = pathText(path.slice(2));
    const checks = (data as { checks?: unknown } | null)?.checks;
    const check = Array.isArray(checks) ? (checks[path[1]] as { id?: unknown; title?: unknown } | undefined) : undefined;
    return `${checkLabel(check, path[1])}${rest && !rest.startsWith('[') ? `.${rest}` : rest}`;
  }
  return pathText(path);
}

/** The end of the sentence: zod's jargon for the common cases turned into words. */
function lessonIssueSentence(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) return 'is empty';
  if (issue.code === 'too_small' && issue.origin === 'array') return `needs at least ${String(issue.minimum)}`;
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number' && issue.message.startsWith('Too')) {
    return `should be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'should be a whole number';
  return issueSentence(issue);
}

/**
 * Turns a zod failure into sentences naming the file and the place:
 * `lessons/05-x/lesson.mdx: checks[2] ("web-answers"): "contain" is not a key here; did you mean "contains"?`.
 * `data` is what was parsed, so a check can be named by its id or title.
 */
export function describeLessonError(file: string, error: z.ZodError, data?: unknown): string {
  // A check with a misspelt key also fails its "give … or …" rule; the misspelling is the news.
  const misspelt = new Set(error.issues.filter((issue) => issue.code === 'unrecognized_keys').map((issue) => pathText(issue.path)));
  return error.issues
    .filter((issue) => !(issue.code === 'custom' && misspelt.has(pathText(issue.path))))
    .flatMap((issue) => {
      if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
        const moved = issue.keys.filter((key) => Object.hasOwn(MOVED_FIELDS, key));
        const others = issue.keys.filter((key) => !Object.hasOwn(MOVED_FIELDS, key));
        const lines = moved.map((key) => `${file}: ${key}: ${MOVED_FIELDS[key]}`);
        if (others.length > 0) lines.push(...others.map((key) => `${file}: frontmatter: ${unknownKeySentence(key, Object.keys(LessonFrontmatter.shape))}`));
        return lines;
      }
      return [`${file}: ${placeText(data, issue.path)}: ${lessonIssueSentence(issue)}`];
    })
    .join('\n');
}

function unknownKeySentence(key: string, known: string[]): string {
  return `"${key}" is not a key here${didYouMean(key, known)} (keys: ${known.join(', ')})`;
}
