import { readFile } from 'node:fs/promises';
import { expect, type Browser, type Page } from '@playwright/test';
import { parseCsv } from '../support/csv.ts';
import { expectState, lessonPage, recordNetworkDrops, test } from './support.ts';

/**
 * The "done when" for class mode, in Chromium against `layerlab serve`: an instructor
 * starts a class on the page, two learners join with its code and finish different checks of
 * lesson 1, the dashboard follows both live, the instructor watches one terminal read-only, and
 * the CSV export (through the page's link) holds exactly what each did.
 */
const LESSON = '01-your-first-image';
const CHECKS = ['cmd', 'built', 'listed'];

/** CSV rows as objects keyed by the header row. */
function csvRecords(text: string): Record<string, string>[] {
  const [header = [], ...rows] = parseCsv(text);
  return rows.map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ''])));
}

async function joinAs(browser: Browser, joinLink: string, nickname: string, learnerKey?: string): Promise<{ page: Page; key: string }> {
  const page = await (await browser.newContext()).newPage();
  recordNetworkDrops(page);
  await page.goto(joinLink);
  await page.getByLabel('Nickname').fill(nickname);
  if (learnerKey) {
    await page.getByText('Continuing from another computer?').click();
    await page.getByLabel('Learner key').fill(learnerKey);
  }
  await page.getByRole('button', { name: 'Join the class' }).click();
  await expect(page.getByRole('heading', { name: /^You are in class / })).toBeVisible();
  const key = (await page.locator('[data-learner-key]').textContent()) ?? '';
  expect(key.length).toBeGreaterThan(10);
  const banner = page.getByRole('complementary', { name: 'Your class' });
  await expect(banner).toContainText(`you are ${nickname}`);
  await page.getByRole('link', { name: 'Go to the course →' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(banner).toContainText(`you are ${nickname}`);
  return { page, key };
}

test('a class from start to close: two learners, a live dashboard, a watched terminal and the CSV', async ({ browser }) => {
  const className = `Docker 101 ${Date.now().toString(36)}`;
  const teacher = await (await browser.newContext()).newPage();

  await teacher.goto('/');
  await teacher.getByRole('link', { name: 'Classes', exact: true }).click();
  await teacher.getByLabel('Class name').fill(className);
  await teacher.getByRole('button', { name: 'Start the class' }).click();
  await expect(teacher.getByRole('heading', { name: `Class ${className} is open` })).toBeVisible();
  const code = (await teacher.locator('[data-started-code]').textContent())!;
  const secret = (await teacher.locator('[data-started-secret]').textContent())!;
  const joinLink = (await teacher.locator('[data-started-join]').getAttribute('href'))!;
  expect(code).toMatch(/^[A-Z0-9]{6}$/);
  expect(joinLink).toContain(`/class/join/?code=${code}`);

  // This browser started the class, so its dashboard opens without asking for the secret.
  await teacher.getByRole('link', { name: 'Open the dashboard →' }).click();
  await expect(teacher.locator('[data-class-name]')).toHaveText(className);
  await expect(teacher.locator('[data-learner-count]')).toHaveText('0 learners, 0 online');
  const row = (nickname: string) => teacher.locator('tr[data-learner-id]', { hasText: nickname });
  const mark = (nickname: string, check: string) => row(nickname).locator(`[data-lesson-id="${LESSON}"] [data-check-id="${check}"]`);

  const ana = await joinAs(browser, joinLink, 'Ana');
  const ben = await joinAs(browser, joinLink, 'Ben');
  // Live: both rows arrive on the open dashboard, with no reload.
  await expect(row('Ana')).toBeVisible();
  await expect(row('Ben')).toBeVisible();

  const anaLesson = lessonPage(ana.page);
  const benLesson = lessonPage(ben.page);
  await test.step('Ana builds the image; Ben only lists his images', async () => {
    await Promise.all([ana.page.goto(`/lessons/${LESSON}/`), ben.page.goto(`/lessons/${LESSON}/`)]);
    await Promise.all([anaLesson.ready(), benLesson.ready()]);
    await anaLesson.button('Build').click();
    await expectState(anaLesson.check('An image tagged hello exists'), 'passed');
    await benLesson.typeCommand('docker images');
    await expectState(benLesson.check('You listed your images with docker images'), 'passed');
  });

  await test.step('the dashboard shows both, live', async () => {
    await expect(mark('Ana', 'built')).toHaveAttribute('data-state', 'passed');
    await expect(mark('Ana', 'listed')).toHaveAttribute('data-state', 'failed');
    await expect(mark('Ben', 'listed')).toHaveAttribute('data-state', 'passed');
    await expect(mark('Ben', 'built')).toHaveAttribute('data-state', 'failed');
    await expect(row('Ana').locator('.now')).toContainText('Your first image');
    await expect(teacher.locator('[data-learner-count]')).toHaveText('2 learners, 2 online');
  });

  await test.step("Ana's terminal, watched read-only", async () => {
    await row('Ana').getByRole('button', { name: 'Ana' }).click();
    const panel = teacher.getByRole('region', { name: 'Ana', exact: true });
    const watched = teacher.getByRole('region', { name: "Ana's terminal, read-only" });
    await expect(watched.locator('.xterm-rows')).toContainText('learner@layerlab');
    // The roster and the terminal scroll inside their boxes; the page never scrolls sideways.
    expect(await teacher.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await anaLesson.typeCommand('echo typed-by-ana');
    await expect(watched.locator('.xterm-rows')).toContainText('typed-by-ana');
    await expect(panel.locator('[data-failing]')).toContainText('You listed your images with docker images');
    await expect(panel.locator('[data-commands]')).toContainText('echo typed-by-ana');

    // Typing in the watcher reaches nobody: Ana's next command runs alone at a clean prompt.
    await watched.locator('.xterm-screen').click();
    await teacher.keyboard.type('echo typed-by-the-watcher');
    await teacher.keyboard.press('Enter');
    await anaLesson.typeCommand('echo ana-again');
    await expect(anaLesson.row(/^ana-again\s*$/)).toHaveCount(1);
    await expect(anaLesson.screen).not.toContainText('typed-by-the-watcher');
    await expect(panel.locator('[data-commands]')).toContainText('echo ana-again');
    await expect(panel.locator('[data-commands]')).not.toContainText('typed-by-the-watcher');
  });

  await test.step("the CSV export, through the dashboard's link, holds exactly what each did", async () => {
    const [download] = await Promise.all([teacher.waitForEvent('download'), teacher.getByRole('link', { name: 'Export CSV' }).click()]);
    const records = csvRecords(await readFile((await download.path())!, 'utf8'));
    const passed = (nickname: string) =>
      records
        .filter((record) => record.nickname === nickname && record.passed === 'true')
        .map((record) => `${record.lesson_id}/${record.check_id}`);
    expect(passed('Ana')).toEqual([`${LESSON}/built`]);
    expect(passed('Ben')).toEqual([`${LESSON}/listed`]);
    for (const nickname of ['Ana', 'Ben']) {
      const lessonOne = records.filter((record) => record.nickname === nickname && record.lesson_id === LESSON);
      expect(lessonOne.map((record) => record.check_id).sort()).toEqual([...CHECKS].sort());
      for (const record of lessonOne) expect(record.last_checked_at, `${nickname} ${record.check_id} was checked`).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const built = records.find((record) => record.nickname === 'Ana' && record.check_id === 'built')!;
    expect(built.first_passed_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  await test.step('another browser: the learner continues with the key, the instructor with the secret', async () => {
    const again = await joinAs(browser, joinLink, 'Ana', ana.key);
    await expect(again.page.locator(`a.lesson[data-lesson-id="${LESSON}"]`)).toContainText('In progress · 1/3 checks');
    await again.page.context().close();

    const elsewhere = await (await browser.newContext()).newPage();
    await elsewhere.goto(`/class/dashboard/?code=${code.toLowerCase()}`);
    await elsewhere.getByLabel(/The secret you were shown/).fill('not-the-secret');
    await elsewhere.getByRole('button', { name: 'Open the dashboard' }).click();
    await expect(elsewhere.locator('[data-sign-in-error]')).toContainText('instructor secret');
    await elsewhere.getByLabel(/The secret you were shown/).fill(secret);
    await elsewhere.getByRole('button', { name: 'Open the dashboard' }).click();
    await expect(elsewhere.locator('tr[data-learner-id]')).toHaveCount(2);
    await elsewhere.context().close();
  });

  await test.step('a learner leaves: the banner goes, and the course list is this browser\'s again', async () => {
    await ben.page.goto('/');
    const banner = ben.page.getByRole('complementary', { name: 'Your class' });
    await banner.getByRole('button', { name: 'Leave', exact: true }).click();
    await banner.getByRole('button', { name: 'Leave the class' }).click();
    await expect(banner).toBeHidden();
    // In the class, his progress lived on the server only (one owner): here it is this browser's, empty.
    await expect(ben.page.locator(`a.lesson[data-lesson-id="${LESSON}"]`)).toContainText('Not started');
  });

  await test.step('closing asks first, then ends the class and keeps its results', async () => {
    await teacher.getByRole('button', { name: 'Close class' }).click();
    const dialog = teacher.getByRole('dialog', { name: `Close ${className}?` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(teacher.locator('[data-closed]')).toBeHidden();
    await teacher.getByRole('button', { name: 'Close class' }).click();
    await dialog.getByRole('button', { name: 'Close the class' }).click();
    await expect(teacher.locator('[data-closed]')).toContainText('This class was closed');
    await expect(mark('Ana', 'built')).toHaveAttribute('data-state', 'passed');
  });
  await Promise.all([ana.page.context().close(), ben.page.context().close(), teacher.context().close()]);
});
