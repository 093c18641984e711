import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { lessonPage } from './support.ts';

/** axe-core on every kind of page, the workspace loaded: nothing serious or critical. */
const PAGES = ['/', '/lessons/01-your-first-image/', '/lessons/07-layers-and-the-build-cache/', '/no-such-page/'];

for (const path of PAGES) {
  test(`axe finds no serious or critical violation on ${path}`, async ({ page }) => {
    await page.goto(path);
    if (path.startsWith('/lessons/')) await lessonPage(page).ready();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
    const summary = serious.map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n  ${violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join('\n  ')}`);
    expect(summary, summary.join('\n')).toEqual([]);
  });
}
