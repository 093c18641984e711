/**
 * `npm test`: readies the machine the way `npm start` does (engine, base images, limits), then runs
 * every test tier against the real engine.
 */
import { spawnSync } from 'node:child_process';
import { serverConfigFromEnv } from '../sandbox-server/config/server.ts';
import { prepareEngine } from '../sandbox-server/engine/prepare.ts';

const say = (line: string) => console.log(`test setup: ${line}`);

try {
  await prepareEngine(serverConfigFromEnv(), say);
} catch (error) {
  console.error(`test setup: ${(error as Error).message}`);
  process.exit(1);
}

// Unit and integration (vitest, which takes any arguments); then every lesson proven on the real
// engine (`layerlab lessons check`: its solution passes its checks, its starter doesn't); then the
// browser tier: Playwright with Debian's Chromium against `layerlab serve`, which builds the site.
// LAYERLAB_LESSONS=0 skips the lessons, LAYERLAB_E2E=0 the browser.
const tiers: [string, string[]][] = [['node_modules/.bin/vitest', ['run', ...process.argv.slice(2)]]];
if (process.env.LAYERLAB_LESSONS !== '0') tiers.push(['bin/layerlab.js', ['lessons', 'check']]);
if (process.env.LAYERLAB_E2E !== '0') tiers.push(['node_modules/.bin/playwright', ['test']]);
for (const [tool, args] of tiers) {
  // This Node (npm's, from node_modules/.bin) runs every tool, whatever node is first on PATH.
  const result = spawnSync(process.execPath, [tool, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
