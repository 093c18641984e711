import type { ImageReference } from '../scope/reference.ts';

/**
 * The class registry: Debian's docker-registry on the server's own machine. Learners push to and
 * pull from `localhost:<port>/NAME`, and each session's repositories live under its namespace
 * there (`localhost:<port>/<ns>/NAME`), so nobody reads or overwrites anyone else's.
 */
export function registryPort(env: Record<string, string | undefined> = process.env): number {
  const port = Number(env.LAYERLAB_REGISTRY_PORT ?? 5000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`LAYERLAB_REGISTRY_PORT: "${env.LAYERLAB_REGISTRY_PORT}" is not a port number`);
  }
  return port;
}

/** The registry as learners (and the engine, which allows plain HTTP to localhost) name it. */
export function registryHost(): string {
  return `localhost:${registryPort()}`;
}

export function isClassRegistry(ref: ImageReference): boolean {
  return ref.domain === registryHost();
}
