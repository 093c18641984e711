import { readFileSync } from 'node:fs';
import { expect } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { expectState, lessonPage, test } from './support.ts';

/**
 * The lesson page's checks and session safety (issue 9, items 6 and 7): a fresh lesson's checks
 * read "to do", Solve makes them look again, and the toolbar shows the sandbox's time left and
 * downloads the learner's files as a zip.
 */
const LESSON = '/lessons/01-your-first-image/';
const CMD_CHECK = 'The Dockerfile has a CMD that echoes a greeting';

test('a fresh lesson shows its checks as to do, then as failing once the learner acts', async ({ page }) => {
  await page.goto(LESSON);
  const lesson = lessonPage(page);
  await lesson.ready();
  const check = lesson.check(CMD_CHECK);
  await expectState(check, 'todo');
  await expect(check.getByText('to do', { exact: true })).toBeVisible();
  await expect(check.locator('[data-reason]')).toBeHidden();
  await expect(page.locator('[data-checks-summary]')).toHaveText('3 to do');

  // An edit that doesn't add the CMD: now it is a real "not yet", with its reason.
  await lesson.typeAtEnd('\n# just looking');
  await expectState(check, 'failed');
  await expect(check.locator('[data-reason]')).toBeVisible();
});

test('Solve makes the checks run again', async ({ page }) => {
  await page.goto(LESSON);
  const lesson = lessonPage(page);
  await lesson.ready();
  await expectState(lesson.check(CMD_CHECK), 'todo');
  await lesson.button('Solve').click();
  await page.getByRole('dialog', { name: 'Show the solution?' }).getByRole('button', { name: 'Show the solution' }).click();
  // No Check press, no command: the solution's Dockerfile alone turns the Dockerfile check green.
  await expectState(lesson.check(CMD_CHECK), 'passed');
  await expectState(lesson.check('An image tagged hello exists'), 'failed');
  // The checks recorded progress, and the toolbar's status line still says what Solve did (the
  // course's progress marks once wrote "In progress" or "Complete" into it).
  await expect(page.locator('lesson-workspace [data-status]')).toHaveText(/^Solution in place/);
});

test('the toolbar shows the time left in the sandbox', async ({ page }) => {
  await page.goto(LESSON);
  const lesson = lessonPage(page);
  await lesson.ready();
  // The default hard limit is two hours, so a new session has one hour and some minutes to go.
  await expect(page.locator('[data-session-clock]')).toHaveText(/^\s*Sandbox time: (2 h 00|1 h \d\d) min left\s*$/);
});

test('Download my work saves the edited files as a zip', async ({ page }) => {
  const stamp = `edited ${Date.now().toString(36)}`;
  await page.goto(LESSON);
  const lesson = lessonPage(page);
  await lesson.ready();
  await lesson.typeAtEnd(`\n# ${stamp}`);
  await expect(lesson.editor.locator('.view-lines')).toContainText(stamp);

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download my work' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('layerlab-01-your-first-image.zip');
  const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const dockerfile = strFromU8(files['Dockerfile']!);
  expect(dockerfile).toContain(`# ${stamp}`);
  expect(dockerfile).toMatch(/^FROM /m);
  // The same text as the browser keeps for the lesson.
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('layerlab:v1:files:01-your-first-image') ?? '{}') as Record<string, string>);
  expect(dockerfile).toBe(kept['Dockerfile']);
});

test('a sandbox the server no longer knows comes back with the browser\'s files, and says so', async ({ page }) => {
  const stamp = `kept ${Date.now().toString(36)}`;
  await page.goto(LESSON);
  const lesson = lessonPage(page);
  await lesson.ready();
  // The server forgets the learner's session, as after an expiry: the cookie no longer names one.
  await page.context().clearCookies();
  const reopened = page.waitForResponse((response) => response.url().endsWith('/api/session') && response.request().method() === 'POST');
  await lesson.typeAtEnd(`\n# ${stamp}`);
  expect((await reopened).status()).toBe(200);
  await expect(page.getByRole('status').filter({ hasText: 'expired' })).toHaveText(
    'Your sandbox ended (it expired, or its server went away); a new one was started with your files. The images and containers from before are gone.',
  );
  // The new session has the browser's copy (the last keystrokes may follow in the next save).
  const serverDockerfile = async () =>
    ((await (await page.request.get('/api/workspace')).json()) as { files: Record<string, string> }).files['Dockerfile'];
  await expect.poll(serverDockerfile).toContain(`# ${stamp}`);
});

test('a page opened after the sandbox expired starts a new one with the kept files, and says so', async ({ page }) => {
  const stamp = `return ${Date.now().toString(36)}`;
  await page.goto(LESSON);
  const lesson = lessonPage(page);
  await lesson.ready();
  const saved = page.waitForResponse((response) => response.url().endsWith('/api/workspace') && response.request().method() === 'PATCH');
  await lesson.typeAtEnd(`\n# ${stamp}`);
  await saved;
  const status = page.locator('lesson-workspace [data-status]');
  await page.reload();
  await lesson.ready();
  // The same session after a reload: nothing to say.
  await expect(status).not.toContainText('expired');
  await page.context().clearCookies();
  await page.reload();
  await lesson.ready();
  await expect(status).toHaveText('Your sandbox ended (it expired, or its server went away); a new one was started with your files. The images and containers from before are gone.');
  await expect(lesson.editor.locator('.view-lines')).toContainText(stamp);
});
