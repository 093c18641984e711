import { expect } from '@playwright/test';
import { cspViolations, expectState, lessonPage, recordNetworkDrops, test } from './support.ts';

test('the controls, the editor and the terminal have accessible names', async ({ page }) => {
  await page.goto('/lessons/01-your-first-image/');
  const lesson = lessonPage(page);
  for (const name of ['Build', 'Run', 'Check', 'Reset', 'Solve']) await expect(lesson.button(name)).toBeVisible();
  await expect(lesson.editor).toBeVisible();
  await expect(lesson.terminal).toBeVisible();
  await lesson.ready();
  // Monaco's own input carries the name too, for screen readers inside the editor.
  await expect(lesson.editor.getByRole('textbox', { name: 'Dockerfile editor' })).toBeAttached();
  const splitter = page.getByRole('separator', { name: 'Resize the lesson and the workspace' });
  await splitter.focus();
  const before = Number(await splitter.getAttribute('aria-valuenow'));
  await page.keyboard.press('ArrowRight');
  await expect(splitter).toHaveAttribute('aria-valuenow', String(before + 2));
});

test('Monaco and xterm load only when the workspace comes into view', async ({ browser }) => {
  // A phone: the lesson comes first and the workspace is below it.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  recordNetworkDrops(page);
  const scripts: string[] = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
  });
  await page.goto('/lessons/05-writing-a-dockerfile/');
  await page.waitForLoadState('networkidle');
  expect(scripts.filter((path) => /\/(editor|terminal|workspace)\.[\w-]+\.js$/.test(path))).toEqual([]);

  const lesson = lessonPage(page);
  await lesson.terminal.scrollIntoViewIfNeeded();
  await lesson.ready();
  expect(scripts.some((path) => /\/editor\.[\w-]+\.js$/.test(path))).toBe(true);
  await context.close();
});

test('workspace code the network dropped is fetched again, and code that never arrives is said and tried again on the next click', async ({ page }) => {
  // Only import() asks for the workspace's own chunk (nothing preloads it). It fails once, as a
  // Wi-Fi handover would drop it: the workspace still mounts.
  const workspaceCode = /\/workspace\.[\w-]+\.js$/;
  let loads = 0;
  await page.route(workspaceCode, (route) => (loads++ === 0 ? route.abort('internetdisconnected') : route.continue()));
  await page.goto('/lessons/05-writing-a-dockerfile/');
  const lesson = lessonPage(page);
  await lesson.ready();
  expect(loads).toBe(2);

  // It never arrives: the status line says so, in one sentence, and the starter file stays
  // readable in the page.
  await page.unroute(workspaceCode);
  await page.route(workspaceCode, (route) => route.abort('internetdisconnected'));
  await page.goto('/lessons/01-your-first-image/');
  await expect(page.getByRole('status').filter({ hasText: "The workspace's code didn't arrive" })).toContainText('reload the page');
  await expect(lesson.editor).toContainText('FROM');
  // Once the network is back, the next click on Build loads it without a reload.
  await page.unroute(workspaceCode);
  await lesson.button('Build').click();
  await lesson.ready();
});

test('tabs, Solve and Reset, with a confirmation each', async ({ page }) => {
  await page.goto('/lessons/05-writing-a-dockerfile/');
  const lesson = lessonPage(page);
  await lesson.ready();
  const lines = lesson.editor.locator('.view-lines');

  await page.getByRole('tab', { name: 'server.js' }).click();
  await expect(lines).toContainText("send('Hello, Docker!");
  await page.getByRole('tab', { name: 'Dockerfile' }).click();
  await expect(lines).toContainText('TODO 1');

  await lesson.button('Solve').click();
  const dialog = page.getByRole('dialog', { name: 'Show the solution?' });
  await expect(dialog).toContainText('docker run -d -p 3000:3000 --name web hello-node');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(lines).toContainText('TODO 1');

  await lesson.button('Solve').click();
  await dialog.getByRole('button', { name: 'Show the solution' }).click();
  await expect(lines).toContainText('WORKDIR /app');
  await expect(lines).not.toContainText('TODO 1');
  // The server has the solution too: cat reads the session's workspace.
  await lesson.typeCommand('cat Dockerfile');
  await expect(lesson.screen).toContainText('CMD ["node", "server.js"]');

  await lesson.button('Reset').click();
  await page.getByRole('dialog', { name: 'Start this lesson over?' }).getByRole('button', { name: 'Reset files' }).click();
  await expect(lines).toContainText('TODO 1');
});

test('"Run in terminal" types a lesson command, and the terminal reconnects by itself to the same shell', async ({ page }) => {
  // Route the terminal socket through the test, so it can cut the connection like a network would.
  const sockets: { close(): Promise<void> }[] = [];
  await page.routeWebSocket(/\/api\/terminal/, (socket) => {
    socket.connectToServer();
    sockets.push(socket);
  });
  await page.goto('/lessons/01-your-first-image/');
  const lesson = lessonPage(page);
  await lesson.ready();

  await page.locator('.runnable', { hasText: 'docker images' }).getByRole('button', { name: 'Run in terminal' }).click();
  await expect(lesson.screen).toContainText('REPOSITORY');
  await expectState(lesson.check('You listed your images with docker images'), 'passed');

  await sockets[0]!.close();
  // The same shell, its screen redrawn: what it printed before the cut is still there.
  await expect.poll(() => sockets.length).toBe(2);
  await expect(lesson.screen).toContainText('REPOSITORY');
  await lesson.typeCommand('history');
  await expect(lesson.screen).toContainText(/\d+\s+docker images/);
});

test('the editor knows Dockerfiles: diagnostics and completions', async ({ page }) => {
  const refused = cspViolations(page);
  await page.goto('/lessons/01-your-first-image/');
  const lesson = lessonPage(page);
  await lesson.ready();
  await lesson.typeAtEnd('RUNN echo hi\n');
  // dockerfile-language-service's diagnostic, drawn as a squiggle and listed in the marker hover.
  await expect(lesson.editor.locator('.squiggly-error')).toBeVisible();
  await page.keyboard.type('WORK');
  // A request that raced the last keystroke answers "No suggestions"; asking again is what a person does.
  await expect(async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Space');
    await expect(page.locator('.suggest-widget')).toContainText('WORKDIR', { timeout: 2000 });
  }).toPass({ timeout: 20_000 });
  expect(refused, "the page's Content-Security-Policy refused something").toEqual([]);
});
