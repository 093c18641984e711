import { expect, type Page } from '@playwright/test';
import { lessonPage, test } from './support.ts';

/** The Dockerfile as the editor shows it (Monaco renders spaces as no-break spaces). */
async function editorText(page: Page): Promise<string> {
  const text = await page.getByRole('region', { name: 'Dockerfile editor' }).locator('.view-lines').innerText();
  return text.replace(/\u00a0/g, ' ');
}

/** Every marker's message, as a learner reads them: F8 steps from one to the next. */
async function markerMessages(page: Page, count = 6): Promise<string> {
  const seen: string[] = [];
  for (let step = 0; step < count; step++) {
    await page.keyboard.press('F8');
    const widget = page.locator('.marker-widget').first();
    await expect(widget).toBeVisible();
    seen.push(await widget.innerText());
  }
  await page.keyboard.press('Escape');
  return seen.join('\n');
}

async function replaceDockerfile(page: Page, text: string): Promise<void> {
  const editor = page.getByRole('region', { name: 'Dockerfile editor' });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

test('the editor teaches: best-practice markers, no stray quote, the sandbox refusals', async ({ page }) => {
  await page.goto('/lessons/05-writing-a-dockerfile/');
  const lesson = lessonPage(page);
  await lesson.ready();
  const editor = lesson.editor;

  await replaceDockerfile(page, 'FROM nginx:latest\n');
  await expect(editor.locator('.squiggly-warning').first()).toBeVisible();
  expect(await markerMessages(page, 2)).toContain(':latest can change under you');

  // Typed key by key, with Monaco closing quotes and brackets as it goes.
  await page.keyboard.press('Control+End');
  await page.keyboard.type('CMD ["echo", "hi"]');
  await expect.poll(() => editorText(page)).toBe('FROM nginx:latest\nCMD ["echo", "hi"]');

  // Take out the closing quote: no longer JSON, which Docker would quietly run as a shell command.
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Backspace');
  await expect.poll(() => editorText(page)).toBe('FROM nginx:latest\nCMD ["echo", "hi]');
  await expect.poll(() => markerMessages(page, 3)).toContain("this isn't valid JSON");

  // A FROM outside the catalogue: the sandbox's own refusal, listing what there is.
  await replaceDockerfile(page, 'FROM nosuchimage:1.0\n');
  await expect(editor.locator('.squiggly-error').first()).toBeVisible();
  await expect.poll(() => markerMessages(page, 3)).toMatch(/FROM nosuchimage:1\.0: this image isn't available here; you can build FROM .*busybox/);
});

test("a failed build marks the failing instruction's line", async ({ page }) => {
  await page.goto('/lessons/05-writing-a-dockerfile/');
  const lesson = lessonPage(page);
  await lesson.ready();
  await replaceDockerfile(page, 'FROM busybox\nRUN true\nRUN false\n');
  await expect(lesson.editor.locator('.squiggly-error')).toHaveCount(0);
  await lesson.button('Build').click();
  await expect(lesson.screen).toContainText("returned a non-zero code: 1");
  await expect(lesson.editor.locator('.squiggly-error').first()).toBeVisible();
  await lesson.editor.locator('.view-lines').click();
  await page.keyboard.press('Control+Home');
  await expect.poll(() => markerMessages(page, 4)).toContain("the build stopped here: The command '/bin/sh -c false' returned a non-zero code: 1");
  // Editing the Dockerfile takes the build's marker away: it belonged to the text that was built.
  await lesson.typeAtEnd('RUN true\n');
  await expect.poll(() => markerMessages(page, 4)).not.toContain('the build stopped here');
});
