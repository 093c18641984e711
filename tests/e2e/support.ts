import { test as base, expect, type Locator, type Page } from '@playwright/test';

/**
 * Chromium aborts loads in flight with ERR_NETWORK_CHANGED when the host's interfaces change, and
 * here the browser shares its host with the engine, which adds a veth for every container it
 * starts. A learner's browser is on another machine and never sees that. These are the loads each
 * page lost that way, so that a lesson page whose workspace code was dropped is loaded again
 * rather than failed (and a page that lost nothing is never reloaded).
 */
const droppedLoads = new WeakMap<Page, string[]>();

/** Records the loads a page loses to ERR_NETWORK_CHANGED; the `page` fixture does it for its page. */
export function recordNetworkDrops(page: Page): void {
  if (droppedLoads.has(page)) return;
  const urls: string[] = [];
  droppedLoads.set(page, urls);
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText === 'net::ERR_NETWORK_CHANGED') urls.push(new URL(request.url()).pathname);
  });
}

/** Playwright's `test`, with every fixture page's dropped loads recorded. */
export const test = base.extend({
  page: async ({ page }, use) => {
    recordNetworkDrops(page);
    await use(page);
  },
});

/**
 * Collects what the page's Content-Security-Policy refused: the server's policy must let every
 * part of the lesson (Monaco, xterm, its workers and styles) work, and a test reads this at its end.
 */
export function cspViolations(page: Page): string[] {
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
  });
  return refused;
}

/** The parts of a lesson page a learner uses, found the way assistive technology finds them. */
export function lessonPage(page: Page) {
  const editor = page.getByRole('region', { name: 'Dockerfile editor' });
  const terminal = page.getByRole('region', { name: 'Terminal' });
  return {
    editor,
    terminal,
    /** The terminal's screen as text (xterm renders rows into the DOM). */
    screen: terminal.locator('.xterm-rows'),
    /** One row of the terminal's screen whose whole text matches. */
    row: (pattern: RegExp) => terminal.locator('.xterm-rows > div').filter({ hasText: pattern }),
    button: (name: string) => page.getByRole('button', { name, exact: true }),
    check: (title: string) => page.locator('li.check', { hasText: title }),

    /**
     * Waits for Monaco and for the terminal's prompt. A page that lost loads to the host's network
     * changing (see droppedLoads) is loaded again, at most twice, as a learner would press reload.
     */
    async ready(): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        try {
          await expect(editor.locator('.monaco-editor .view-lines')).toBeVisible();
          await expect(terminal.locator('.xterm-rows')).toContainText('learner@layerlab');
          return;
        } catch (error) {
          const dropped = droppedLoads.get(page)?.splice(0) ?? [];
          if (dropped.length === 0 || attempt === 3) throw error;
          console.warn(`reloading ${page.url()}: the host's network changed and Chromium dropped ${dropped.join(', ')}`);
          await page.reload();
        }
      }
    },

    /** Types at the end of the open file, as a learner would. */
    async typeAtEnd(text: string): Promise<void> {
      await editor.locator('.view-lines').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type(text);
    },

    /** Types a command at the terminal prompt and presses Enter. */
    async typeCommand(command: string): Promise<void> {
      await terminal.locator('.xterm-screen').click();
      await page.keyboard.type(command);
      await page.keyboard.press('Enter');
    },
  };
}

export async function expectState(check: Locator, state: 'passed' | 'failed' | 'pending' | 'todo'): Promise<void> {
  await expect(check).toHaveAttribute('data-state', state);
}
