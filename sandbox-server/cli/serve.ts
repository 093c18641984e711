import { watch } from 'node:fs';
import { serverConfigFromEnv } from '../config/server.ts';
import { prepareEngine } from '../engine/prepare.ts';
import { createLogger } from '../log.ts';
import { expectLeaseFree } from '../sessions/lease.ts';
import { startServer, type RunningServer } from '../server.ts';
import { ensureSite } from './site-build.ts';

export interface ServeOptions {
  /**
   * `npm run dev`: Astro's dev server serves the pages and proxies /api here, so the site is not
   * built, and a lesson (lesson.mdx, files/, solution/) is re-read when an author saves any of it.
   */
  dev?: boolean;
}

/** `layerlab serve` (what `npm start` runs): ready the engine, build the site, then serve until stopped. */
export async function serve(options: ServeOptions = {}): Promise<number> {
  const config = serverConfigFromEnv();
  const say = (line: string) => console.log(`layerlab: ${line}`);
  const docker = await prepareEngine(config, say);
  await expectLeaseFree(docker, config.instance);
  if (!options.dev) await ensureSite(config.siteDir, config.course, say);
  const log = createLogger();
  // A classroom shares this process: a bug reached by one learner's input must not end everyone's
  // session. It is logged loudly instead.
  process.on('uncaughtException', (error) => log.error({ err: error }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (error) => log.error({ err: error }, 'unhandled rejection; still serving'));
  const server = await startServer(config, docker, log);
  if (options.dev) watchLessons(server, config.course.lessonsDir, say);
  say(options.dev ? `sandbox for the dev server at ${server.url}` : `serving the course and the sandbox at ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      say('stopping');
      // Sessions are saved first; a connection that won't close (a container stream still
      // attached) must not keep the process alive, and a second Ctrl-C ends it at once.
      server.context.store.flush();
      setTimeout(resolve, 5000).unref();
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      void server.close().finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.exit(0);
}

/**
 * Re-reads the lessons shortly after a save, so new starter files and checks apply at once. The
 * watch is recursive: a lesson is a folder, and its files/ and solution/ go to any depth.
 */
function watchLessons(server: RunningServer, directory: string, say: (line: string) => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watcher = watch(directory, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        server.context.lessons.reload();
        say('lessons reloaded');
      } catch (error) {
        // Astro's dev server shows the same sentence in the browser; keep serving.
        say(`lessons not reloaded: ${(error as Error).message}`);
      }
    }, 150);
  });
  watcher.unref();
}
