import { serverConfigFromEnv } from '../config/server.ts';
import { prepareEngine } from '../engine/prepare.ts';
import { createLogger } from '../log.ts';
import { startServer } from '../server.ts';

/** `layerlab serve` (what `npm start` runs): ready the engine, then serve until stopped. */
export async function serve(): Promise<number> {
  const config = serverConfigFromEnv();
  const say = (line: string) => console.log(`layerlab: ${line}`);
  const docker = await prepareEngine(config, say);
  const log = createLogger();
  // A classroom shares this process: a bug reached by one learner's input must not end everyone's
  // session. It is logged loudly instead.
  process.on('uncaughtException', (error) => log.error({ err: error }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (error) => log.error({ err: error }, 'unhandled rejection; still serving'));
  const server = await startServer(config, docker, log);
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
