import { rmSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { E2E_INSTANCE } from './tests/e2e/instance.ts';

/**
 * Browser end-to-end tests: Debian's Chromium (apt-get install chromium; nothing is downloaded)
 * against the real thing, `layerlab serve`, which builds the site and serves it with the sandbox
 * on one port, on the real engine. One worker: the machine has two cores and one engine.
 */
const port = Number(process.env.E2E_PORT ?? 4399);
// A fresh session store each run: the server then reaps whatever an earlier run left on the engine.
// The runner loads this file first (and clears the folder); workers load it again with the env set.
if (!process.env.LAYERLAB_E2E_STATE) {
  process.env.LAYERLAB_E2E_STATE = path.resolve('.layerlab', 'e2e-state');
  rmSync(process.env.LAYERLAB_E2E_STATE, { recursive: true, force: true });
}

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 1,
  fullyParallel: false,
  // Chromium aborts loads in flight with ERR_NETWORK_CHANGED when the host's interfaces change, and
  // the engine adds a veth for every container it starts. A lesson page that lost its workspace code
  // that way is loaded again (lessonPage().ready() in support.ts); the one retry is for a load lost
  // elsewhere in a test. A test that fails twice is a real failure.
  retries: 1,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI ? 'list' : [['list']],
  outputDir: 'test-results',
  globalTeardown: './tests/e2e/global-teardown.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
    viewport: { width: 1400, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `"${process.execPath}" bin/layerlab.js serve`,
    url: `http://127.0.0.1:${port}/api/health`,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      LAYERLAB_INSTANCE: E2E_INSTANCE,
      LAYERLAB_STATE_DIR: process.env.LAYERLAB_E2E_STATE,
      // Every test is a new browser, so a new session, and all of them come from 127.0.0.1.
      LAYERLAB_SESSIONS_PER_ADDRESS: '1000',
      LOG_LEVEL: 'warn',
    },
    reuseExistingServer: false,
    // A fresh machine builds the site here (about 10 s); the engine is readied by npm test first.
    timeout: 300_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
