import { expect } from '@playwright/test';
import { cspViolations, expectState, lessonPage, test } from './support.ts';

/**
 * The "done when": a newcomer, in Chromium, against `npm start`, opens the first lesson,
 * edits the Dockerfile, builds and runs it, sees a check turn green, reloads without losing the
 * edit, and finds the image with `docker images`.
 */
test('a learner builds, runs and checks the first lesson', async ({ page }) => {
  // Unique per run, so nothing left from an earlier run can make this pass.
  const greeting = `Hello from run ${Date.now().toString(36)}`;
  const refused = cspViolations(page);

  await page.goto('/');
  await page.getByRole('link', { name: /Your first image/ }).click();
  await expect(page).toHaveURL(/\/lessons\/01-your-first-image\/$/);
  const lesson = lessonPage(page);
  await lesson.ready();
  // Nothing done in this lesson yet: "to do", not a failure.
  await expectState(lesson.check('An image tagged hello exists'), 'todo');

  await test.step('edit the Dockerfile in Monaco', async () => {
    await lesson.typeAtEnd(`CMD ["echo", "${greeting}"]`);
    await expect(lesson.editor.locator('.view-lines')).toContainText(greeting);
  });

  await test.step('Build streams the build steps into the terminal', async () => {
    await lesson.button('Build').click();
    await expect(lesson.screen).toContainText('docker build -t hello .');
    await expect(lesson.screen).toContainText('Step 2/2 : CMD');
    await expect(lesson.screen).toContainText('Successfully tagged hello:latest');
  });

  await test.step('Run shows the container output', async () => {
    await lesson.button('Run').click();
    await expect(lesson.screen).toContainText('docker run --rm hello');
    // The container's output on a line of its own, not the echo of the Dockerfile's CMD.
    await expect(lesson.row(new RegExp(`^\\s*${greeting}\\s*$`))).toBeVisible();
  });

  await test.step('the checks turn green', async () => {
    await expectState(lesson.check('An image tagged hello exists'), 'passed');
    await expectState(lesson.check('The Dockerfile has a CMD that echoes a greeting'), 'passed');
    await expectState(lesson.check('You listed your images with docker images'), 'failed');
  });

  await test.step('a reload keeps the edit', async () => {
    await page.reload();
    await lesson.ready();
    await expect(lesson.editor.locator('.view-lines')).toContainText(greeting);
  });

  await test.step('docker images, typed in the terminal, shows the image', async () => {
    await lesson.typeCommand('docker images');
    await expect(lesson.screen).toContainText(/hello\s+latest/);
    await expectState(lesson.check('You listed your images with docker images'), 'passed');
    await expect(page.getByText('Every check passes.')).toBeVisible();
  });

  await test.step('the course list shows the lesson complete', async () => {
    await page.goto('/');
    await expect(page.getByRole('link', { name: /Your first image/ })).toContainText('Complete');
  });
  expect(refused, "the page's Content-Security-Policy refused something").toEqual([]);
});
