import { expect, type Locator, type Page } from '@playwright/test';

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

    /** Waits for Monaco and for the terminal's prompt. */
    async ready(): Promise<void> {
      await expect(editor.locator('.monaco-editor .view-lines')).toBeVisible();
      await expect(terminal.locator('.xterm-rows')).toContainText('learner@layerlab');
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
