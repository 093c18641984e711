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
// Each tier has a ceiling (on 2 cores vitest, with integration files two at a time, takes about 15 minutes, the lessons 7, the browser 13), so a hang fails
// in minutes with its name instead of holding CI until its own limit.
const MINUTE = 60_000;
const tiers: [string, string[], number][] = [['node_modules/.bin/vitest', ['run', ...process.argv.slice(2)], 30 * MINUTE]];
if (process.env.LAYERLAB_LESSONS !== '0') tiers.push(['bin/layerlab.js', ['lessons', 'check'], 20 * MINUTE]);
if (process.env.LAYERLAB_E2E !== '0') tiers.push(['node_modules/.bin/playwright', ['test'], 25 * MINUTE]);
for (const [tool, args, timeout] of tiers) {
  // This Node (npm's, from node_modules/.bin) runs every tool, whatever node is first on PATH.
  const result = spawnSync(process.execPath, [tool, ...args], { stdio: 'inherit', timeout, killSignal: 'SIGKILL' });
  if (result.error || result.signal) {
    console.error(`npm test: ${tool} ${args.join(' ')} did not finish within ${timeout / MINUTE} minutes${result.signal ? ` and was stopped (${result.signal})` : `: ${result.error?.message}`}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}
