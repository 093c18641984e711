import type { ImageReference } from '../scope/reference.ts';
import { readEnvironment } from '../config/environment.ts';

/**
 * The class registry: Debian's docker-registry on the server's own machine. Learners push to and
 * pull from `localhost:5000/NAME` whatever port it really listens on, and each session's
 * repositories live under its namespace there (`localhost:<port>/<ns>/NAME`), so nobody reads or
 * overwrites anyone else's.
 */

/** The registry's name as learners type and read it, in every lesson and on every machine. */
export const CLASS_REGISTRY = 'localhost:5000';

/** The last port read, by the variable's text: reading the whole environment for every image tag a listing names was a class's hot path. */
let lastPort: { text: string | undefined; port: number } | undefined;

export function registryPort(env: Record<string, string | undefined> = process.env): number {
  const text = env.LAYERLAB_REGISTRY_PORT;
  if (lastPort === undefined || lastPort.text !== text) lastPort = { text, port: readEnvironment(env).LAYERLAB_REGISTRY_PORT };
  return lastPort.port;
}

/** The registry as the engine reaches it (the engine allows plain HTTP to localhost). */
export function engineRegistryHost(): string {
  return `localhost:${registryPort()}`;
}

export function isClassRegistry(ref: ImageReference): boolean {
  return ref.domain === CLASS_REGISTRY;
}
