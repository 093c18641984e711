import { serverConfigFromEnv } from '../config/server.ts';
import { ensureEngine } from '../engine/provision.ts';
import { ensureCatalogue } from '../images/ensure.ts';

/** `layerlab images`: makes every catalogue image present, pulling or building stand-ins. */
export async function images(options: { force: boolean; pull: boolean }): Promise<number> {
  const config = serverConfigFromEnv();
  const say = (line: string) => console.log(line);
  const docker = await ensureEngine({ logDir: config.logDir, log: say });
  await ensureCatalogue(docker, { log: say, force: options.force, pull: options.pull });
  return 0;
}
