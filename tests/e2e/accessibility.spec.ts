import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { lessonPage, test } from './support.ts';

/** axe-core on every kind of page, the workspace loaded: nothing serious or critical. */
const PAGES = ['/', '/lessons/01-your-first-image/', '/lessons/07-layers-and-the-build-cache/', '/no-such-page/', '/class/', '/class/join/?code=K7QM2P'];

async function expectNoSeriousViolation(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  const summary = serious.map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n  ${violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join('\n  ')}`);
  expect(summary, summary.join('\n')).toEqual([]);
}

for (const path of PAGES) {
  test(`axe finds no serious or critical violation on ${path}`, async ({ page }) => {
    await page.goto(path);
    if (path.startsWith('/lessons/')) await lessonPage(page).ready();
    await expectNoSeriousViolation(page);
  });
}

test('axe finds no serious or critical violation on a class dashboard, with a learner and the class banner', async ({ page }) => {
  await page.goto('/class/');
  await page.getByLabel('Class name').fill('Axe class');
  await page.getByRole('button', { name: 'Start the class' }).click();
  await page.getByRole('link', { name: 'Open the dashboard →' }).click();
  await expect(page.locator('[data-class-name]')).toHaveText('Axe class');
  await expectNoSeriousViolation(page);

  // This browser joins too: the banner shows on every page, and the dashboard gets a row to open.
  const code = new URL(page.url()).searchParams.get('code')!;
  await page.goto(`/class/join/?code=${code}`);
  await page.getByLabel('Nickname').fill('Ada');
  await page.getByRole('button', { name: 'Join the class' }).click();
  await page.getByRole('link', { name: 'Go to the course →' }).click();
  await expect(page.getByRole('complementary', { name: 'Your class' })).toBeVisible();
  await expectNoSeriousViolation(page);
  await page.goto(`/class/dashboard/?code=${code}`);
  await page.getByRole('button', { name: 'Ada', exact: true }).click();
  await expect(page.getByRole('region', { name: "Ada's terminal, read-only" }).locator('.xterm-rows')).toBeVisible();
  await expectNoSeriousViolation(page);

  // On a phone the roster scrolls in its box; the page itself never sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [path, loaded] of [[`/class/dashboard/?code=${code}`, 'tr[data-learner-id]'], ['/class/', 'class-banner:not([hidden])']] as const) {
    await page.goto(path);
    await expect(page.locator(loaded)).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), path).toBeLessThanOrEqual(0);
  }
});

test('Tab has a way out of the terminal (Esc then Tab) and of the editor (Ctrl+M), and Esc alone still reaches the shell', async ({ page }) => {
  await page.goto('/lessons/01-your-first-image/');
  const lesson = lessonPage(page);
  await lesson.ready();
  const focusedInTerminal = () => page.evaluate(() => !!document.activeElement?.closest('.terminal-host'));
  const focusedInEditor = () => page.evaluate(() => !!document.activeElement?.closest('.editor-panel'));

  await lesson.terminal.locator('.xterm-screen').click();
  await page.keyboard.press('Tab');
  expect(await focusedInTerminal()).toBe(true);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  expect(await focusedInTerminal()).toBe(false);

  // Esc and then another key: both reach bash, which reads Esc-. as "the last argument".
  await lesson.typeCommand('echo first-arg last-arg');
  await lesson.terminal.locator('.xterm-screen').click();
  await page.keyboard.type('echo ');
  await page.keyboard.press('Escape');
  await page.keyboard.press('.');
  await page.keyboard.press('Enter');
  await expect(lesson.row(/^last-arg\s*$/)).toHaveCount(1);

  await lesson.editor.locator('.view-lines').click();
  await page.keyboard.press('Control+m');
  await page.keyboard.press('Tab');
  expect(await focusedInEditor()).toBe(false);
});

for (const width of [768, 390]) {
  test(`at ${width} px wide nothing scrolls sideways and the workspace is one jump away`, async ({ page }) => {
    await page.setViewportSize({ width, height: 844 });
    await page.goto('/lessons/04-running-a-web-server/');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole('link', { name: 'Go to the workspace' }).click();
    const lesson = lessonPage(page);
    await lesson.ready();
    await expect(page.getByRole('toolbar', { name: 'Workspace actions' })).toBeInViewport();
    const toolbarTop = await page.getByRole('toolbar', { name: 'Workspace actions' }).evaluate((element) => element.getBoundingClientRect().top);
    const header = await page.locator('header').first().evaluate((element) => element.getBoundingClientRect().bottom);
    expect(toolbarTop).toBeGreaterThanOrEqual(header - 1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  });
}
