import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox-server/config/server.ts';

/**
 * `npm run dev` must show a lesson broken by a save on the page itself, in Astro's error overlay,
 * and never serve the last good version. This drives a real `astro dev` on a copy of a good
 * lesson, breaks it on disk, and opens the page in Chromium, where the overlay (a custom element,
 * filled in by Vite's client) must name the file, the line and the mistake.
 */
const PORT = Number(process.env.DEV_OVERLAY_PORT ?? 4513);
const base = `http://127.0.0.1:${PORT}`;
let lessons: string;
let astro: ChildProcess;
let log = '';
let browser: Browser;

beforeAll(async () => {
  // Debian's Chromium, as playwright.config.ts uses (nothing is downloaded).
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  lessons = mkdtempSync(path.join(os.tmpdir(), 'layerlab-dev-overlay-'));
  cpSync(path.join(PROJECT_ROOT, 'tests/fixtures/lessons/good/01-hello'), path.join(lessons, '01-hello'), { recursive: true });
  astro = spawn(process.execPath, ['node_modules/astro/bin/astro.mjs', 'dev', '--port', String(PORT), '--host', '127.0.0.1'], {
    cwd: PROJECT_ROOT,
    env: { ...devEnvironment(), LAYERLAB_LESSONS_DIR: lessons, ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1', SANDBOX_PORT: String(PORT + 1) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  astro.stdout!.on('data', (chunk) => (log += chunk));
  astro.stderr!.on('data', (chunk) => (log += chunk));
  const deadline = Date.now() + 120_000;
  let last = 'no answer';
  for (;;) {
    try {
      const response = await fetch(`${base}/lessons/01-hello/`);
      if (response.ok) break;
      last = `${response.status}: ${(await response.text()).slice(0, 500)}`;
    } catch (error) {
      // Not listening yet.
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`astro dev did not serve the lesson in 120 s (${last}):\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 150_000);

afterAll(async () => {
  await browser?.close();
  astro?.kill();
  if (lessons) rmSync(lessons, { recursive: true, force: true });
});

/** Vite's import.meta.env, which vitest copies into process.env; a child astro dev would take them as its own mode. */
const VITEST_ONLY = new Set(['NODE_ENV', 'MODE', 'BASE_URL', 'DEV', 'PROD', 'SSR', 'TEST']);

/** This process's environment without vitest's own, which would make astro dev something else. */
function devEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !VITEST_ONLY.has(name) && !name.startsWith('VITEST')));
}

/** The text of Astro's error overlay on the lesson page, as the author sees it. */
async function overlayText(): Promise<string> {
  const tab = await browser.newPage();
  try {
    await tab.goto(`${base}/lessons/01-hello/`);
    // Vite's client fills in the overlay's open shadow root once the page has loaded.
    const text = await tab.waitForFunction(
      () => {
        const content = document.querySelector('vite-error-overlay')?.shadowRoot?.textContent ?? '';
        return content.includes('lesson.mdx') ? content : false;
      },
      undefined,
      { timeout: 20_000 },
    );
    return String(await text.jsonValue()).replace(/\s+/g, ' ');
  } finally {
    await tab.close();
  }
}

async function page(): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}/lessons/01-hello/`);
  return { status: response.status, text: await response.text() };
}

/** The page once the dev server has seen the save: it answers with this status, within five seconds. */
async function pageWith(status: 200 | 500): Promise<{ status: number; text: string }> {
  let result = await page();
  for (let tries = 0; (status === 200 ? result.status !== 200 : result.status === 200) && tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    result = await page();
  }
  return result;
}

describe('the dev server, on a lesson broken by a save', () => {
  it('serves the good lesson', async () => {
    expect((await page()).status).toBe(200);
  });

  it('shows a misspelt check key in the overlay, with the file, not the last good page', async () => {
    const file = path.join(lessons, '01-hello', 'lesson.mdx');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace(/^(\s+)title: (.*)$/m, '$1title: $2\n$1hints: Build it.'));
    try {
      const result = await pageWith(500);
      expect(result.status).toBe(500);
      expect(result.text).toContain('<title>LessonError</title>');
      expect(await overlayText()).toContain('01-hello/lesson.mdx: checks[0] ("An image tagged hello exists"): "hints" is not a key here; did you mean "hint"?');
    } finally {
      writeFileSync(file, good);
    }
    expect((await pageWith(200)).status).toBe(200);
  }, 30_000);

  it('shows an MDX syntax error at its line in lesson.mdx', async () => {
    const file = path.join(lessons, '01-hello', 'lesson.mdx');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, `${good}\nA stray { in prose.\n`);
    try {
      const result = await pageWith(500);
      expect(result.status).toBe(500);
      const line = good.split('\n').length + 1;
      expect(await overlayText()).toContain(`01-hello/lesson.mdx:${line}: the page does not compile as MDX`);
    } finally {
      writeFileSync(file, good);
    }
  }, 30_000);
});
