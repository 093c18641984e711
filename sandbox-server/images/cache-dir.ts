import { fileURLToPath } from 'node:url';
import { readEnvironment } from '../config/environment.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where slow-to-make inputs (the debootstrap root filesystem) are kept between runs. */
export function layerlabCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return readEnvironment(env).LAYERLAB_CACHE_DIR ?? `${REPO_ROOT}.layerlab/cache`;
}
