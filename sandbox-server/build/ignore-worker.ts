import { parentPort } from 'node:worker_threads';
import dockerignore from '@balena/dockerignore';

/** Runs off the main thread: which workspace paths a .dockerignore leaves out (see dockerignore.ts). */
parentPort!.on('message', ({ id, patterns, paths }: { id: number; patterns: string[]; paths: string[] }) => {
  try {
    const rules = dockerignore.default().add(patterns);
    parentPort!.postMessage({ id, ignored: paths.filter((path) => rules.ignores(path)) });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message });
  }
});
