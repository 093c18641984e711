import { evaluateChecks } from '../checks/evaluate.ts';
import type { CheckResult } from '../checks/result.ts';
import type { SandboxContext } from '../context.ts';
import { removeNamespace } from '../sessions/teardown.ts';
import { filesFromObject, type WorkspaceFiles } from '../sessions/workspace.ts';
import { HeadlessTerminal, type HeadlessResult } from '../terminal/headless.ts';
import { catalogueProblems } from './catalogue-needs.ts';
import { solutionFiles, type Lesson } from './library.ts';

export interface VariantRun {
  commands: { command: string; result: HeadlessResult }[];
  results: CheckResult[];
}

export interface LessonVerdict {
  lesson: Lesson;
  solution: VariantRun;
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
  const engine = context.engineFor(session);
  let terminal: HeadlessTerminal | undefined;
  try {
    terminal = new HeadlessTerminal({ session, workbench: await context.workbenches.for(session) });
    const commands = [];
    for (const command of lessonCommands(lesson)) commands.push({ command, result: await terminal.run(command) });
    const results = await evaluateChecks(lesson.frontmatter.checks, { session, engine });
    return { commands, results };
  } finally {
    terminal?.close();
    context.store.delete(session);
    await removeNamespace(context.docker, session.record.namespace);
  }
}

/**
 * Proves a lesson on the real engine: its solution (files/ with solution/ over it) passes every
 * check, and its starter (files/ alone) does not already pass them all (a lesson the learner has finished before starting teaches nothing).
 */
export async function verifyLesson(context: SandboxContext, lesson: Lesson): Promise<LessonVerdict> {
  const problems: string[] = catalogueProblems(lesson);
  if (lesson.frontmatter.checks.length === 0) problems.push('it has no checks, so nothing proves the learner did the task');
  const solution = await runVariant(context, lesson, solutionFiles(lesson));
  for (const result of solution.results.filter((check) => !check.passed)) {
    problems.push(`the solution fails "${result.title}": ${result.reason}`);
  }
  const starter = await runVariant(context, lesson, filesFromObject(lesson.files));
  if (starter.results.length > 0 && starter.results.every((check) => check.passed)) {
    problems.push('the starter files already pass every check');
  }
  return { lesson, solution, starter, problems };
}
