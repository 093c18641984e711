import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root: where catalogue.yml, course.yml and lessons/ ship. The site's build bundles
 * the server's modules into chunks elsewhere, where a path from the module's own file leads
 * nowhere; every command runs from the root, so the working directory is the fallback there.
 */
export const PROJECT_ROOT = findRoot();

function findRoot(): string {
  const beside = fileURLToPath(new URL('..', import.meta.url));
  return existsSync(path.join(beside, 'sandbox-server', 'project-root.ts')) ? path.resolve(beside) : process.cwd();
}
