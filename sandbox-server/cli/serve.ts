import { serverConfigFromEnv } from '../config/server.ts';
import { prepareEngine } from '../engine/prepare.ts';
import { createLogger } from '../log.ts';
import { startServer } from '../server.ts';

/** `layerlab serve` (what `npm start` runs): ready the engine, then serve until stopped. */
export async function serve(): Promise<number> {
  const config = serverConfigFromEnv();
  const say = (line: string) => console.log(`layerlab: ${line}`);
  const docker = await prepareEngine(config, say);
  const server = await startServer(config, docker, createLogger());
  say(`serving the course and the sandbox at ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      say('stopping');
      void server.close().finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
