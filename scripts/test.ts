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

// Unit and integration (vitest, which takes any arguments), then the browser tier: Playwright with
// Debian's Chromium against `layerlab serve`, which builds the site. LAYERLAB_E2E=0 skips it.
const tiers: [string, string[]][] = [['vitest', ['run', ...process.argv.slice(2)]]];
if (process.env.LAYERLAB_E2E !== '0') tiers.push(['playwright', ['test']]);
for (const [tool, args] of tiers) {
  // This Node (npm's, from node_modules/.bin) runs every tool, whatever node is first on PATH.
  const result = spawnSync(process.execPath, [`node_modules/.bin/${tool}`, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
