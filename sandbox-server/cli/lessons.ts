import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serverConfigFromEnv } from '../config/server.ts';
import { createSandboxContext, type SandboxContext } from '../context.ts';
import { prepareEngine } from '../engine/prepare.ts';
import { LESSON_FILE, SOLUTION_FOLDER, STARTER_FOLDER } from '../lessons/folder.ts';
import { LessonLibrary, type Lesson } from '../lessons/library.ts';
import { verifyLesson } from '../lessons/verify.ts';
import { createLogger } from '../log.ts';
import { InstanceLease } from '../sessions/lease.ts';

/**
 * `layerlab lessons check [ID...]`: proves lessons on the real engine. Its sessions carry an
 * instance name of their own (held by a lease while it runs), so a class served from the same
 * engine never mistakes them for its own, nor they its.
 */
export async function checkLessons(ids: string[]): Promise<number> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-lessons-'));
  try {
    return await checkLessonsWith(ids, stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function checkLessonsWith(ids: string[], stateDir: string): Promise<number> {
  const config = serverConfigFromEnv({
    ...process.env,
    LAYERLAB_INSTANCE: process.env.LAYERLAB_INSTANCE ?? `lessons-${randomBytes(4).toString('hex')}`,
    // The proof runs each lesson through lines mode, which needs no workbench ahead of time.
    LAYERLAB_WARM_WORKBENCHES: '0',
    LAYERLAB_STATE_DIR: stateDir,
  });
  const library = new LessonLibrary(config.lessonsDir, config.policy.build);
  const unknown = ids.filter((id) => !library.get(id));
  if (unknown.length > 0) {
    console.error(`layerlab lessons check: no lesson named ${unknown.join(', ')} in ${config.lessonsDir}`);
    return 1;
  }
  const lessons = ids.length > 0 ? ids.map((id) => library.get(id)!) : library.all();
  const docker = await prepareEngine(config, () => undefined);
  const lease = await InstanceLease.acquire(docker, { instance: config.instance, idleTtlMs: config.policy.sessions.idleTtlMs });
  const context = createSandboxContext({ config, docker, lessons: library, log: createLogger('silent') });
  try {
    return await proveLessons(lessons, context);
  } finally {
    // Written before its folder goes, so no save is left pending for a folder that is gone.
    context.store.flush();
    await lease.release({ remove: true });
  }
}

async function proveLessons(lessons: Lesson[], context: SandboxContext): Promise<number> {
  let failed = 0;
  for (const lesson of lessons) {
    const started = performance.now();
    const verdict = await verifyLesson(context, lesson);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const total = verdict.solution.results.length;
    const starterFails = verdict.starter.results.filter((result) => !result.passed).length;
    if (verdict.problems.length === 0) {
      console.log(`✓ ${lesson.id}: the solution passes ${total}/${total} checks; the starter fails ${starterFails} (${seconds} s)`);
      continue;
    }
    failed += 1;
    console.log(`✗ ${lesson.id} (${seconds} s)`);
    for (const problem of verdict.problems) console.log(`    ${problem}`);
    for (const { command, result } of verdict.solution.commands.filter(({ result }) => result.exitCode !== 0)) {
      console.log(`    solution command failed: ${command} (exit ${result.exitCode})`);
      console.log(result.output.trimEnd().split('\n').slice(-8).map((line) => `      | ${line}`).join('\n'));
    }
  }
  console.log(failed === 0 ? `All ${lessons.length} lessons proven.` : `${failed} of ${lessons.length} lessons failed.`);
  return failed === 0 ? 0 : 1;
}

/** lesson.mdx of a new lesson: every field the guide asks for, and the sections it asks for. */
const LESSON_TEMPLATE = (title: string, order: number, image: string) => `---
title: ${title}
summary: One or two sentences for the course list.
order: ${order}
objectives:
  - Say what the learner will be able to do.
image: ${image}
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
  const library = new LessonLibrary(config.lessonsDir, config.policy.build);
  const order = Math.max(0, ...library.all().map((lesson) => lesson.frontmatter.order)) + 1;
  const id = `${String(order).padStart(2, '0')}-${slug}`;
  const folder = path.join(config.lessonsDir, id);
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
