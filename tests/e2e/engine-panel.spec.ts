import { expect } from '@playwright/test';
import { cspViolations, lessonPage, test } from './support.ts';

test('the images & containers pane shows a container under its image, and stops and removes it', async ({ page }) => {
  const refused = cspViolations(page);
  await page.goto('/lessons/03-images-and-containers/');
  const lesson = lessonPage(page);
  await lesson.ready();
  await lesson.typeCommand('docker pull -q busybox && docker run -d --name panelweb -p 8080:80 busybox sleep 300');
  await expect(lesson.row(/^[0-9a-f]{64}\s*$/)).toHaveCount(1, { timeout: 60_000 });

  await page.getByRole('tab', { name: 'Images & containers' }).click();
  const panel = page.getByRole('tabpanel', { name: 'Images and containers' });
  const card = panel.locator('section.image-card', { has: page.locator('.image-tags', { hasText: 'busybox:latest' }) });
  const row = card.locator('li[data-container="panelweb"]');
  await expect(row).toHaveAttribute('data-state', 'running');
  await expect(row.locator('.ports')).toHaveText('8080→80/tcp');

  await row.getByRole('button', { name: 'Stop' }).click();
  await expect(row).toHaveAttribute('data-state', 'exited', { timeout: 30_000 });
  await expect(row.locator('.reason')).toHaveText('exit code 143');

  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(panel.locator('li[data-container="panelweb"]')).toHaveCount(0);
  expect(refused).toEqual([]);
});
