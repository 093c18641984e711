import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../config/server.ts';

/**
 * Building the lesson site (astro build → dist/) for `layerlab serve`. A build is skipped when the
 * last one is newer than every file it was made from, so a restart costs nothing.
 */

/** What the site is made from: the site, the lessons, their schema and reader, and the dependencies. */
export const SITE_INPUTS = [
  'src',
  'lessons',
  'public',
  'astro.config.mjs',
  'sandbox-server/lessons/schema.ts',
  'sandbox-server/lessons/folder.ts',
  'sandbox-server/lessons/library.ts',
  'package-lock.json',
];

/** Written into dist/ after a complete build; its time is the build's. */
const STAMP = '.layerlab-build';

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export function siteIsCurrent(siteDir: string, root = PROJECT_ROOT): boolean {
  const stamp = path.join(siteDir, STAMP);
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return SITE_INPUTS.every((input) => newestMtime(path.join(root, input)) <= built);
}

/** Files worth compressing ahead of time, so @fastify/static can send .br or .gz as they are. */
const COMPRESSIBLE = /\.(?:html|js|css|svg|json|ttf|txt|xml|map)$/;

function precompress(siteDir: string): void {
  for (const entry of readdirSync(siteDir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const content = readFileSync(file);
    if (content.length < 1024) continue;
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(content, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: content.length } }),
    );
  }
}

/** Runs `astro build` with this Node; its output (and a broken lesson's sentence) goes to stderr. */
export function buildSite(siteDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const astro = path.join(PROJECT_ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [astro, 'build', '--outDir', siteDir, '--silent'], {
      cwd: PROJECT_ROOT,
      env: { ...env, ASTRO_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`the lesson site did not build (astro build ${signal ?? `exited ${code}`}); the reason is above`));
        return;
      }
      precompress(siteDir);
      writeFileSync(path.join(siteDir, STAMP), `${new Date().toISOString()}\n`);
      resolve();
    });
  });
}

/** Builds the site unless the last build is current. */
export async function ensureSite(siteDir: string, say: (line: string) => void): Promise<void> {
  if (siteIsCurrent(siteDir)) {
    say('the lesson site is up to date');
    return;
  }
  say('building the lesson site…');
  const started = Date.now();
  await buildSite(siteDir);
  say(`built the lesson site in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
