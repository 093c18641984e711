import { expect } from '@playwright/test';
import { cspViolations, lessonPage, test } from './support.ts';

test('the Preview tab frames the nginx a learner ran, from an origin of its own', async ({ page }) => {
  const refused = cspViolations(page);
  await page.goto('/lessons/04-running-a-web-server/');
  const lesson = lessonPage(page);
  await lesson.ready();
  await lesson.typeCommand('docker run -d -p 8080:80 nginx');
  await expect(lesson.row(/^[0-9a-f]{64}\s*$/)).toBeVisible();

  await page.getByRole('tab', { name: 'Preview' }).click();
  const frame = page.frameLocator('iframe[title="Preview of the container\'s page"]');
  await expect(frame.getByRole('heading', { name: 'Welcome to nginx!' })).toBeVisible();

  const src = await page.locator('iframe[title="Preview of the container\'s page"]').getAttribute('src');
  const preview = new URL(src!);
  const site = new URL(page.url());
  expect(preview.origin).not.toBe(site.origin);
  expect(preview.hostname).toMatch(/^p-[0-9a-f]{32}-8080\.localhost$/);
  await expect(page.getByRole('link', { name: 'Open in a new tab' })).toHaveAttribute('href', preview.href);
  // The site's script cannot read the container's page, and the other way round.
  const crossOrigin = await page.evaluate(() => {
    const iframe = document.querySelector<HTMLIFrameElement>('iframe[title="Preview of the container\'s page"]')!;
    try {
      return iframe.contentDocument === null;
    } catch {
      return true;
    }
  });
  expect(crossOrigin).toBe(true);

  // A lesson's link to http://localhost:8080 means the learner's container: it opens the Preview pane.
  await page.getByRole('tab', { name: 'Terminal' }).click();
  await expect(page.getByRole('tab', { name: 'Preview' })).toHaveAttribute('aria-selected', 'false');
  await page.getByRole('link', { name: 'http://localhost:8080' }).last().click();
  await expect(page.getByRole('tab', { name: 'Preview' })).toHaveAttribute('aria-selected', 'true');
  await expect(frame.getByRole('heading', { name: 'Welcome to nginx!' })).toBeVisible();
  expect(page.url()).toContain('/lessons/04-running-a-web-server/');
  expect(refused).toEqual([]);
});

test('the Node.js lesson ends with "Hello, Docker!" in the Preview tab', async ({ page }) => {
  await page.goto('/lessons/05-writing-a-dockerfile/');
  const lesson = lessonPage(page);
  await lesson.ready();
  await lesson.button('Solve').click();
  await page.getByRole('dialog', { name: 'Show the solution?' }).getByRole('button', { name: 'Show the solution' }).click();
  await lesson.button('Build').click();
  await expect(lesson.screen).toContainText('Successfully tagged hello-node:latest');
  await lesson.typeCommand('clear; docker rm -f web >/dev/null 2>&1; docker run -d -p 3000:3000 --name web hello-node');
  await expect(lesson.row(/^[0-9a-f]{64}\s*$/)).toBeVisible();

  await page.getByRole('tab', { name: 'Preview' }).click();
  const frame = page.frameLocator('iframe[title="Preview of the container\'s page"]');
  await expect(frame.locator('body')).toContainText('Hello, Docker!');
  const src = await page.locator('iframe[title="Preview of the container\'s page"]').getAttribute('src');
  expect(new URL(src!).hostname).toMatch(/^p-[0-9a-f]{32}-3000\.localhost$/);
});
