import { expect } from '@playwright/test';
import { lessonPage, test } from './support.ts';

/**
 * The layers lesson's image in the Layers tab: the same steps as `docker history`, bottom to top,
 * with their Dockerfile lines and the files a layer added.
 */
test('the Layers tab shows the lesson image as docker history does, with lines and files', async ({ page }) => {
  await page.goto('/lessons/07-layers-and-the-build-cache/');
  const lesson = lessonPage(page);
  await lesson.ready();
  await lesson.button('Build').click();
  await expect(lesson.screen).toContainText('Successfully tagged my_python_app:latest', { timeout: 60_000 });

  await test.step('after a build, the gutter marks each instruction; a second build flips them to cached', async () => {
    const notes = lesson.editor.locator('.view-lines');
    // The first build in this session ran the install (the engine may hold a cache from an earlier
    // run, so only the second build is sure of what it will say).
    await expect(notes.locator('.build-note').first()).toBeVisible();
    await lesson.typeCommand('clear');
    await lesson.button('Build').click();
    await expect(lesson.screen).toContainText('Successfully tagged my_python_app:latest');
    await expect(notes.locator('.build-note-cached')).toHaveCount(5);
    await expect(notes.locator('.build-note-rebuilt')).toHaveCount(0);
    await expect(notes.locator('.build-note-cached').filter({ hasText: 'cached' }).first()).toBeVisible();

    // Touch app.py: the COPY and everything after it run again.
    await lesson.typeCommand('clear; echo "# changed" >> app.py');
    await lesson.typeCommand('clear');
    await lesson.button('Build').click();
    await expect(lesson.screen).toContainText('Successfully tagged my_python_app:latest');
    await expect(notes.locator('.build-note-cached')).toHaveCount(1);
    await expect(notes.locator('.build-note-rebuilt')).toHaveCount(4);
    await expect(notes.locator('.build-note-rebuilt').filter({ hasText: /ran\s\d+\.\d\ss/ }).first()).toBeVisible();
  });

  await lesson.typeCommand('clear; docker history --format "{{.CreatedBy}}" my_python_app | wc -l');
  const countRow = lesson.row(/^\s*\d+\s*$/);
  await expect(countRow).toBeVisible();
  const historyCount = Number((await countRow.first().textContent())!.trim());

  await page.getByRole('tab', { name: 'Layers' }).click();
  const pane = page.getByRole('tabpanel', { name: 'Layers' });
  await expect(pane.getByRole('textbox', { name: 'Image' })).toHaveValue('my_python_app');
  const steps = pane.getByRole('list', { name: 'Build steps, bottom to top' }).locator(':scope > li');
  await expect(steps).toHaveCount(historyCount);
  await expect(pane.getByText('Efficiency')).toBeVisible();

  // The COPY of the lesson's files: line 5 of the starter Dockerfile, with app.py among its files.
  const copy = steps.filter({ hasText: 'line 5' });
  await expect(copy.locator('.layers-instruction')).toHaveText(/^COPY dir:[0-9a-f]+ in \/app/);
  await copy.locator('summary').click();
  await expect(copy.getByText('/app/app.py')).toBeVisible();

  // Another learner's image, or none: a sentence, not an empty pane.
  await pane.getByRole('textbox', { name: 'Image' }).fill('nosuchimage');
  await pane.getByRole('button', { name: 'Show layers' }).click();
  await expect(pane.getByText('you have no image called nosuchimage; docker images lists yours.')).toBeVisible();
});
