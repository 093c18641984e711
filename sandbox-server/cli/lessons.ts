import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { policyFromEnv } from '../config/policy.ts';
import { courseFromEnv } from '../course/course.ts';
import { serverConfigFromEnv } from '../config/server.ts';
import { createSandboxContext, type SandboxContext } from '../context.ts';
import { machineFor } from '../services/machine.ts';
import { prepareEngine } from '../engine/prepare.ts';
import { LESSON_FILE, SOLUTION_FOLDER, STARTER_FOLDER } from '../lessons/folder.ts';
import { LessonLibrary, type Lesson } from '../lessons/library.ts';
import { checkCourseStatically } from '../lessons/static-check.ts';
import { failedChecks, verifyLesson, walkInOrder, type VariantRun } from '../lessons/verify.ts';
import { createLogger } from '../log.ts';
import { InstanceLease } from '../sessions/lease.ts';

export const LESSONS_USAGE = `Usage: layerlab lessons check [ID...] [--static] [--in-order]
       layerlab lessons new SLUG

lessons check    Proves lessons (all of them, or those named), in two passes:
                 1. the static pass, with no engine, in about a second: each lesson.mdx's frontmatter
                    against the schema, its page compiled as MDX (syntax, a stray { in prose, imports,
                    <Quiz> props), unique order values and check ids, each http/publishes check's port
                    against the solution's -p, and every image against the catalogue;
                 2. on the real engine: each lesson's starter must fail a check, and its solution pass
                    them all, each in a fresh session; with --in-order, one session then walks the
                    lessons in order, so a starter that already passes after the earlier lessons'
                    solutions (a leftover) fails too.
  --static       Only the static pass (no engine needed).
  --in-order     Also walk the lessons (all, or those named) in course order, in one session.
lessons new      Writes lessons/NN-SLUG/ (lesson.mdx, files/, solution/) with every section the guide asks for.

docs/authoring.md is the guide.
`;

/**
 * `layerlab lessons check [ID...]`: proves lessons, statically and then on the real engine. Its
 * sessions carry an instance name of their own (held by a lease while it runs), so a class served
 * from the same engine never mistakes them for its own, nor they its.
 */
export async function checkLessons(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { static: { type: 'boolean' }, 'in-order': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`layerlab lessons check: ${(error as Error).message}\n\n${LESSONS_USAGE}`);
    return 2;
  }
  const { values, positionals: ids } = parsed;
  if (values.help) {
    process.stdout.write(LESSONS_USAGE);
    return 0;
  }
  const course = courseFromEnv(process.env);
  const started = performance.now();
  const verdict = await checkCourseStatically(course.lessonsDir, policyFromEnv().build, ids);
  const unknown = ids.filter((id) => !verdict.lessons.some((lesson) => lesson.id === id));
  if (unknown.length > 0 && verdict.problems.length === 0) {
    console.error(`layerlab lessons check: no lesson named ${unknown.join(', ')} in ${course.lessonsDir}`);
    return 1;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (verdict.problems.length > 0) {
    for (const problem of verdict.problems) console.log(`✗ ${problem}`);
    console.log(`The static check found ${verdict.problems.length} problem${verdict.problems.length === 1 ? '' : 's'} (${seconds} s); fix them, then check again.`);
    return 1;
  }
  const chosen = ids.length > 0 ? verdict.lessons.filter((lesson) => ids.includes(lesson.id)) : verdict.lessons;
  console.log(`✓ ${chosen.length} lesson${chosen.length === 1 ? '' : 's'} pass the static check (${seconds} s)`);
  if (values.static) return 0;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-lessons-'));
  try {
    // The in-order walk is asked for, not the default: in CI it froze a workbench for good (a
    // bind's `docker pause` whose unpause never returned, lesson 13 after 12), which held the whole
    // course check until its ceiling. Each lesson in a fresh session is the proof npm test runs.
    return await checkOnEngine(chosen, { inOrder: values['in-order'] ?? false }, stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function checkOnEngine(lessons: Lesson[], options: { inOrder: boolean }, stateDir: string): Promise<number> {
  const config = serverConfigFromEnv({
    ...process.env,
    LAYERLAB_INSTANCE: process.env.LAYERLAB_INSTANCE ?? `lessons-${randomBytes(4).toString('hex')}`,
    // The proof runs each lesson through lines mode, which needs no workbench ahead of time.
    LAYERLAB_WARM_WORKBENCHES: '0',
    LAYERLAB_STATE_DIR: stateDir,
  });
  const library = new LessonLibrary(config.course.lessonsDir, config.policy.build);
  const docker = await prepareEngine(config, () => undefined);
  const lease = await InstanceLease.acquire(docker, { instance: config.instance, idleTtlMs: config.policy.sessions.idleTtlMs });
  const log = createLogger('silent');
  const context = createSandboxContext({ config, docker, lessons: library, log, machine: await machineFor(config, docker, log) });
  try {
    const started = performance.now();
    const failed = await proveLessons(lessons, context, options);
    console.log(`${failed.size === 0 ? `All ${lessons.length} lessons proven` : `${failed.size} of ${lessons.length} lessons failed`} (${((performance.now() - started) / 1000).toFixed(0)} s).`);
    return failed.size === 0 ? 0 : 1;
  } finally {
    // Written before its folder goes, so no save is left pending for a folder that is gone.
    context.store.flush();
    await lease.release({ remove: true });
  }
}

const place = (lesson: Lesson) => path.relative(process.cwd(), path.dirname(lesson.file));
const listed = (names: string[]) => (names.length > 0 ? names.join(', ') : 'none');

/**
 * Each lesson on its own, in fresh sessions, then (for the whole course) the in-order walk. The walk
 * runs every solution after the earlier ones, so in that case the per-lesson pass runs only each
 * starter: a solution proven in order is not run a second time on its own.
 */
async function proveLessons(lessons: Lesson[], context: SandboxContext, options: { inOrder: boolean }): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const lesson of lessons) {
    const started = performance.now();
    const verdict = await verifyLesson(context, lesson, { skipSolution: options.inOrder });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const starterFails = `the starter fails ${listed(failedChecks(verdict.starter))}`;
    const total = verdict.starter.results.length;
    if (verdict.problems.length === 0) {
      console.log(`✓ ${lesson.id}: ${verdict.solution ? `the solution passes ${total}/${total} checks; ` : ''}${starterFails} (${seconds} s)`);
      continue;
    }
    failed.add(lesson.id);
    console.log(`✗ ${lesson.id}: ${starterFails} (${seconds} s)`);
    for (const problem of verdict.problems) console.log(`    ${place(lesson)}: ${problem}`);
    if (verdict.solution) printFailedCommands(verdict.solution);
  }
  if (!options.inOrder) return failed;
  console.log('In order, in one session:');
  await walkInOrder(context, lessons, (step, seconds) => {
    const total = step.solution.results.length;
    const summary = `the starter fails ${listed(failedChecks(step.starter))}; the solution passes ${total - failedChecks(step.solution).length}/${total} (${seconds.toFixed(1)} s)`;
    if (step.problems.length === 0) {
      console.log(`✓ ${step.lesson.id}: ${summary}`);
      return;
    }
    failed.add(step.lesson.id);
    console.log(`✗ ${step.lesson.id}: ${summary}`);
    for (const problem of step.problems) console.log(`    ${place(step.lesson)}: ${problem}`);
    printFailedCommands(step.solution);
  });
  return failed;
}

function printFailedCommands(run: VariantRun): void {
  for (const { command, result } of run.commands.filter(({ result }) => result.exitCode !== 0)) {
    console.log(`    solution command failed: ${command} (exit ${result.exitCode})`);
    console.log(result.output.trimEnd().split('\n').slice(-8).map((line) => `      | ${line}`).join('\n'));
  }
}

/** lesson.mdx of a new lesson: every field the guide asks for, and the sections it asks for. */
const LESSON_TEMPLATE = (title: string, order: number, image: string) => `---
title: ${title}
summary: One or two sentences for the course list.
order: ${order}
objectives:
  - Say what the learner will be able to do.
image: ${image}
minutes: 10
solutionCommands:
  - docker build -t ${image} .
  - docker run --rm ${image}
checks:
  - id: says-hello
    kind: image-config
    title: The ${image} image runs echo
    image: ${image}
    cmd: ["echo", "hello from ${image}"]
    hint:
      - Add a CMD instruction to the Dockerfile, then build again.
      - 'CMD ["echo", "hello from ${image}"], then docker build -t ${image} .'
---

Write the lesson here, in your own words: one idea per section, a command to run for each step,
and a check for the result. The starter workspace is the files/ folder next to this file; solution/
holds only the files the solution changes. docs/authoring.md is the guide.

## Build it

<Quiz
  predict="docker run --rm ${image}"
  options={['hello from ${image}', 'Nothing: the image has no CMD']}
  answer={0}
  explanation="CMD is what a container runs when docker run gives no command."
/>

\`\`\`sh run
docker build -t ${image} .
docker run --rm ${image}
\`\`\`

<Run command="docker images ${image}" />

## Clean up

\`\`\`sh run
docker rmi ${image}
\`\`\`
`;

/** files/: the starter workspace. */
const STARTER_FILES: Record<string, string> = {
  Dockerfile: 'FROM busybox\n# TODO: add a CMD that says hello.\n',
};

/** solution/: only the files the solution changes. */
const SOLUTION_FILES = (image: string): Record<string, string> => ({
  Dockerfile: `FROM busybox\nCMD ["echo", "hello from ${image}"]\n`,
});

function writeFiles(root: string, files: Record<string, string>): void {
  mkdirSync(root, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(root, name), content);
}

/**
 * `layerlab lessons new SLUG`: a lesson folder (lesson.mdx, files/, solution/) with every field
 * filled in, ready to edit and check.
 */
export function newLesson(slug: string | undefined): number {
  if (!slug || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) {
    console.error('layerlab lessons new: give a slug of lowercase words and dashes, like layer-caching');
    return 2;
  }
  const config = serverConfigFromEnv();
  const library = new LessonLibrary(config.course.lessonsDir, config.policy.build);
  const order = Math.max(0, ...library.all().map((lesson) => lesson.frontmatter.order)) + 1;
  const id = `${String(order).padStart(2, '0')}-${slug}`;
  const folder = path.join(config.course.lessonsDir, id);
  if (existsSync(folder)) {
    console.error(`layerlab lessons new: ${path.relative(process.cwd(), folder)} already exists`);
    return 1;
  }
  const title = slug.replace(/-/g, ' ').replace(/^\w/, (letter) => letter.toUpperCase());
  const image = slug.split('-')[0]!;
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, LESSON_FILE), LESSON_TEMPLATE(title, order, image));
  writeFiles(path.join(folder, STARTER_FOLDER), STARTER_FILES);
  writeFiles(path.join(folder, SOLUTION_FOLDER), SOLUTION_FILES(image));
  const shown = path.relative(process.cwd(), folder);
  console.log(`Wrote ${shown}/: ${LESSON_FILE}, ${STARTER_FOLDER}/Dockerfile and ${SOLUTION_FOLDER}/Dockerfile. Edit them, then prove the lesson: npx layerlab lessons check ${id}`);
  return 0;
}
