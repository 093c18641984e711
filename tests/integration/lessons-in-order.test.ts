import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox-server/config/server.ts';
import { LessonLibrary } from '../../sandbox-server/lessons/library.ts';
import { walkInOrder } from '../../sandbox-server/lessons/verify.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/**
 * The course proven in order, in one session, on the real engine: lesson 1 builds `leftover` and
 * (in this fixture) has no Clean up; lesson 2's only check looks for `leftover`, so its starter
 * already passes once lesson 1's solution ran. The walk must say so; with a Clean up that removes
 * the image, it must not.
 */
let sandbox: TestSandbox;
let course: string;

beforeAll(async () => {
  course = mkdtempSync(path.join(os.tmpdir(), 'layerlab-in-order-'));
  cpSync(path.join(PROJECT_ROOT, 'tests/fixtures/course-in-order/lessons'), course, { recursive: true });
  sandbox = await startTestSandbox({ LAYERLAB_LESSONS_DIR: course });
});

afterAll(async () => {
  await sandbox?.close();
  if (course) rmSync(course, { recursive: true, force: true });
});

describe('the in-order walk of a course', () => {
  it('finds a starter that passes on what an earlier lesson left behind', async () => {
    const steps = await walkInOrder(sandbox.server.context, new LessonLibrary(course).all());
    expect(steps.map((step) => step.problems)).toEqual([
      [],
      [
        "the starter already passes every check after the earlier lessons' solutions and clean-ups ran (leftover from 01-builds-it); have a check look for something only this lesson makes, or have the earlier lesson's ## Clean up remove it",
      ],
    ]);
    // Lesson 1's own proof holds: its starter failed and its solution passed, in the same session.
    expect(steps[0]!.starter.results.map((result) => result.passed)).toEqual([false]);
    expect(steps[0]!.solution.results.map((result) => result.passed)).toEqual([true]);
  }, 120_000);

  it("passes once the earlier lesson's Clean up removes what it made, pressing that block as a learner does", async () => {
    const file = path.join(course, '01-builds-it', 'lesson.mdx');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n## Clean up\n\n\`\`\`sh run\ndocker rmi leftover\n\`\`\`\n`);
    const steps = await walkInOrder(sandbox.server.context, new LessonLibrary(course).all());
    expect(steps[0]!.cleanUp.map(({ command, result }) => [command, result.exitCode])).toEqual([['docker rmi leftover', 0]]);
    expect(steps.map((step) => step.problems)).toEqual([[], []]);
    expect(steps[1]!.starter.results.map((result) => result.passed)).toEqual([false]);
  }, 120_000);
});
