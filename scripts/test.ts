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

const tiers: [string, string[]][] = [['vitest', ['run', ...process.argv.slice(2)]]];
for (const [tool, args] of tiers) {
  const result = spawnSync(`node_modules/.bin/${tool}`, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
