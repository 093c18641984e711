import path from 'node:path';
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { LessonLibrary } from '../../sandbox-server/lessons/library.ts';
import { lessonCommands } from '../../sandbox-server/lessons/verify.ts';
import { lessonPage, recordNetworkDrops, test } from './support.ts';

/**
 * The whole course, as a newcomer in Chromium: for every lesson, open it, press Solve, type the
 * lesson's solution commands into the terminal, and watch every check turn green; then press the
 * "Run in terminal" button of its Clean up section, as the lesson asks. Then the course list shows
 * every lesson complete, and the lesson menu agrees.
 *
 * One browser context and one sandbox session for all of it, as a learner has: progress is kept in
 * localStorage, and each lesson's names, ports and clean-up must leave the next one room within the
 * session's quotas (ten images, five running containers).
 */
const lessons = new LessonLibrary(path.resolve('lessons')).all();

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;

/** COURSE_WIDTH=390 walks the course on a phone's width, where the workspace sits below the lesson. */
const width = Number(process.env.COURSE_WIDTH ?? 1400);

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ viewport: { width, height: width < 800 ? 844 : 900 } });
  page = await context.newPage();
  recordNetworkDrops(page);
});
test.afterAll(async () => {
  await context?.close();
});

/** How many terminal commands have finished on this page. */
const commandsEnded = (target: Page) => target.evaluate(() => (window as unknown as { commandsEnded: number }).commandsEnded);

/** Counts finished terminal commands: the workspace sets data-running while one runs. */
async function watchCommands(target: Page): Promise<void> {
  await target.evaluate(() => {
    const root = document.querySelector('lesson-workspace')!;
    const state = window as unknown as { commandsEnded: number };
    state.commandsEnded = 0;
    new MutationObserver((records) => {
      for (const record of records) if (record.oldValue !== null && !root.hasAttribute('data-running')) state.commandsEnded += 1;
    }).observe(root, { attributes: true, attributeFilter: ['data-running'], attributeOldValue: true });
  });
}

for (const lesson of lessons) {
  test(`${lesson.id}: the solution, typed in the terminal, turns every check green; then it cleans up`, async () => {
    test.setTimeout(120_000);
    await page.goto(`/lessons/${lesson.id}/`);
    const ui = lessonPage(page);
    // On a phone the workspace is below the lesson, and loads when the learner goes to it.
    if (width < 800) await page.getByRole('link', { name: 'Go to the workspace' }).click();
    await ui.ready();
    await watchCommands(page);

    await ui.button('Solve').click();
    await page.getByRole('dialog', { name: 'Show the solution?' }).getByRole('button', { name: 'Show the solution' }).click();
    await expect(page.locator('lesson-workspace [data-status]')).toContainText('Solution in place');

    const commands = lessonCommands(lesson);
    for (const [index, command] of commands.entries()) {
      await ui.typeCommand(command);
      await page.waitForFunction((count) => (window as unknown as { commandsEnded: number }).commandsEnded >= count, index + 1, {
        timeout: 60_000,
      });
    }

    const checks = page.locator('li.check');
    await expect(checks).toHaveCount(lesson.frontmatter.checks.length);
    for (const check of await checks.all()) {
      await expect(check, `check "${await check.locator('.title').innerText()}"`).toHaveAttribute('data-state', 'passed');
    }
    await expect(page.getByText('Every check passes.')).toBeVisible();

    // The lesson's Clean up section: its runnable block, pressed like a learner would.
    const cleanUp = page.locator('.prose h2:text-is("Clean up") ~ .runnable').first();
    if ((await cleanUp.count()) > 0) {
      const button = cleanUp.getByRole('button', { name: 'Run in terminal' });
      const count = (JSON.parse((await button.getAttribute('data-commands')) ?? '[]') as string[]).length;
      const before = await commandsEnded(page);
      await button.click();
      await page.waitForFunction((target) => (window as unknown as { commandsEnded: number }).commandsEnded >= target, before + count, {
        timeout: 60_000,
      });
      // What the checks looked at is gone, so some turn red; the lesson stays complete (below).
      await expect(page.locator('li.check[data-state="failed"]').first()).toBeVisible();
    }
  });
}

test('the course list and the lesson menu show every lesson complete', async () => {
  await page.goto('/');
  // Optional lessons are done too, but "complete" counts the required ones.
  const required = lessons.filter((lesson) => !lesson.frontmatter.optional).length;
  expect(required).toBeLessThan(lessons.length);
  await expect(page.locator('[data-course-progress]')).toHaveText(`${required} of ${required} required lessons complete`);
  for (const lesson of lessons) {
    await expect(page.locator(`a[data-lesson-id="${lesson.id}"] [data-status]`)).toHaveText('Complete');
  }

  await page.goto(`/lessons/${lessons[0]!.id}/`);
  await page.getByText('Lessons', { exact: true }).click();
  const menu = page.getByRole('navigation', { name: 'All lessons' });
  await expect(menu.locator('[data-status="complete"]')).toHaveCount(lessons.length);
  await expect(page.locator('[data-menu-count]')).toHaveText(`${required}/${required} required done`);
});
