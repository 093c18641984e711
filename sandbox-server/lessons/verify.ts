import { readFileSync } from 'node:fs';
import { evaluateChecks } from '../checks/evaluate.ts';
import type { CheckResult } from '../checks/result.ts';
import type { SandboxContext } from '../context.ts';
import type { Session } from '../sessions/session.ts';
import { removeNamespace } from '../sessions/teardown.ts';
import { filesFromObject, type WorkspaceFiles } from '../sessions/workspace.ts';
import { HeadlessTerminal, type HeadlessResult } from '../terminal/headless.ts';
import { catalogueProblems } from './catalogue-needs.ts';
import { cleanUpCommands } from './clean-up.ts';
import { solutionFiles, type Lesson } from './library.ts';

export interface VariantRun {
  commands: { command: string; result: HeadlessResult }[];
  results: CheckResult[];
}

export interface LessonVerdict {
  lesson: Lesson;
  /** Undefined when the solution was proven by the in-order walk instead. */
  solution: VariantRun | undefined;
  starter: VariantRun;
  /** Sentences saying what is wrong; empty when the lesson is proven. */
  problems: string[];
}

/** The commands that finish a workspace: the lesson's own, or a build of the lesson image. */
export function lessonCommands(lesson: Lesson): string[] {
  const { solutionCommands, image } = lesson.frontmatter;
  return solutionCommands.length > 0 ? solutionCommands : [`docker build -t ${image} .`];
}

/** Runs a workspace's files and commands in a fresh session, evaluates the checks, then removes it all. */
async function runVariant(context: SandboxContext, lesson: Lesson, files: WorkspaceFiles): Promise<VariantRun> {
  const session = context.store.create(files, lesson.id);
  let terminal: HeadlessTerminal | undefined;
  try {
    terminal = new HeadlessTerminal({ session, workbench: await context.workbenches.for(session) });
    return await runIn(context, session, terminal, lesson, lessonCommands(lesson));
  } finally {
    terminal?.close();
    context.store.delete(session);
    await removeNamespace(context.docker, session.record.namespace);
  }
}

/** Types the commands in the session's terminal, then evaluates the lesson's checks there. */
async function runIn(context: SandboxContext, session: Session, terminal: HeadlessTerminal, lesson: Lesson, commands: readonly string[]): Promise<VariantRun> {
  const ran = [];
  for (const command of commands) ran.push({ command, result: await terminal.run(command) });
  const results = await evaluateChecks(lesson.frontmatter.checks, { session, engine: context.engineFor(session) });
  return { commands: ran, results };
}

/** The checks a run failed, named as authors name them: `"web-answers"`, by id, else by title. */
export function failedChecks(run: VariantRun): string[] {
  return run.results.filter((result) => !result.passed).map((result) => `"${/^\d+$/.test(result.id) ? result.title : result.id}"`);
}

/** What proving one lesson asks for: both of its runs in fresh sessions, or only the starter's. */
export interface VerifyOptions {
  /**
   * Skip the solution's run in a fresh session. The whole course's in-order walk runs every
   * solution anyway (after the earlier lessons'), so a second run of each would double the time.
   */
  skipSolution?: boolean;
}

/**
 * Proves a lesson on the real engine: its solution (files/ with solution/ over it) passes every
 * check, and its starter (files/ alone) does not already pass them all (a lesson the learner has finished before starting teaches nothing).
 */
export async function verifyLesson(context: SandboxContext, lesson: Lesson, options: VerifyOptions = {}): Promise<LessonVerdict> {
  const problems: string[] = catalogueProblems(lesson);
  if (lesson.frontmatter.checks.length === 0) problems.push('it has no checks, so nothing proves the learner did the task');
  const solution = options.skipSolution ? undefined : await runVariant(context, lesson, solutionFiles(lesson));
  for (const result of solution?.results.filter((check) => !check.passed) ?? []) {
    problems.push(`the solution fails "${result.title}": ${result.reason}`);
  }
  const starter = await runVariant(context, lesson, filesFromObject(lesson.files));
  if (starter.results.length > 0 && starter.results.every((check) => check.passed)) {
    problems.push('the starter files already pass every check');
  }
  return { lesson, solution, starter, problems };
}

/** One lesson's step of the in-order walk. */
export interface InOrderStep {
  lesson: Lesson;
  /** The checks on the starter, as the page loads it after the earlier lessons' solutions ran. */
  starter: VariantRun;
  /** Its solution's files and commands, run in the same session, and the checks after them. */
  solution: VariantRun;
  /** The commands of its `## Clean up` block, run after the checks. */
  cleanUp: VariantRun['commands'];
  problems: string[];
}

/**
 * Proves the course in order, in one session, as a learner meets it: for each lesson, its starter
 * files are loaded as the page loads them when the learner moves on (the session's lesson and
 * files replaced, its images, containers and networks kept), and must still fail a check; then its
 * solution runs there and must pass every check, and its `## Clean up` block runs, as the learner
 * presses it before moving on. This catches what one lesson leaves behind for the
 * next: an image or container that already satisfies a later check, a name or port still taken.
 */
export async function walkInOrder(context: SandboxContext, lessons: readonly Lesson[], onStep: (step: InOrderStep, seconds: number) => void = () => undefined): Promise<InOrderStep[]> {
  const steps: InOrderStep[] = [];
  const [first] = lessons;
  if (!first) return steps;
  const session = context.store.create(filesFromObject(first.files), first.id);
  let terminal: HeadlessTerminal | undefined;
  try {
    const workbench = await context.workbenches.for(session);
    terminal = new HeadlessTerminal({ session, workbench });
    for (const lesson of lessons) {
      const started = performance.now();
      const load = async (files: WorkspaceFiles) => {
        session.record.lessonId = lesson.id;
        session.record.files = files;
        await workbench.writeFiles(files, { replace: true });
      };
      await load(filesFromObject(lesson.files));
      const starter = await runIn(context, session, terminal, lesson, []);
      await load(solutionFiles(lesson));
      const solution = await runIn(context, session, terminal, lesson, lessonCommands(lesson));
      // As the learner (and the browser test of the course) does, before moving on.
      const cleanUp = [];
      for (const command of cleanUpCommands(readFileSync(lesson.file, 'utf8'), lesson.file)) cleanUp.push({ command, result: await terminal.run(command) });
      const problems: string[] = [];
      if (steps.length > 0 && starter.results.length > 0 && starter.results.every((check) => check.passed)) {
        const earlier = steps.map((step) => step.lesson.id).join(', ');
        problems.push(
          `the starter already passes every check after the earlier lessons' solutions and clean-ups ran (leftover from ${earlier}); have a check look for something only this lesson makes, or have the earlier lesson's ## Clean up remove it`,
        );
      }
      for (const result of solution.results.filter((check) => !check.passed)) {
        problems.push(`after the earlier lessons' solutions ran, the solution fails "${result.title}": ${result.reason}`);
      }
      const step = { lesson, starter, solution, cleanUp, problems };
      steps.push(step);
      onStep(step, (performance.now() - started) / 1000);
    }
    return steps;
  } finally {
    terminal?.close();
    context.store.delete(session);
    await removeNamespace(context.docker, session.record.namespace);
  }
}
