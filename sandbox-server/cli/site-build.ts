import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../config/server.ts';
import { COURSE_FILE, type Course } from '../course/course.ts';

/**
 * Building the lesson site (astro build → dist/) for `layerlab serve`. A build is skipped when the
 * last one is newer than every file it was made from, so a restart costs nothing.
 */

/** What the site is made from in this project: the site, the lessons' schema and reader, the dependencies (and the course: siteInputs). */
export const SITE_INPUTS = [
  'src',
  'public',
  'astro.config.mjs',
  'sandbox-server/lessons/schema.ts',
  'sandbox-server/lessons/folder.ts',
  'sandbox-server/lessons/library.ts',
  'sandbox-server/course/course.ts',
  'sandbox-server/project-root.ts',
  'sandbox-server/format',
  'package-lock.json',
];

/** Every file or folder the site is built from: the project's inputs and the course's own files. */
export function siteInputs(course: Course, root = PROJECT_ROOT): string[] {
  return [...SITE_INPUTS.map((input) => path.join(root, input)), course.lessonsDir, path.join(course.root, COURSE_FILE)];
}

/** Written into dist/ after a complete build; its time is when the build started, its text the course's folders. */
const STAMP = '.layerlab-build';

/**
 * Which course a build is of: another course (or lessons folder) in the same dist/ is a rebuild,
 * and so is another title, which a course.yml deleted since (no newer file to see) can change.
 */
function stampText(course: Course): string {
  return `${JSON.stringify({ course: course.root, lessons: course.lessonsDir, title: course.title, summary: course.summary ?? null })}\n`;
}

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  // Folders count too: deleting a file changes only its folder's time.
  for (const entry of readdirSync(target, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() && !entry.isDirectory()) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export function siteIsCurrent(siteDir: string, course: Course, root = PROJECT_ROOT): boolean {
  const stamp = path.join(siteDir, STAMP);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== stampText(course)) return false;
  const started = statSync(stamp).mtimeMs;
  // Strictly older: a file changed in the same tick of the file system's clock may be newer.
  return siteInputs(course, root).every((input) => newestMtime(input) < started);
}

/**
 * Marks dist/ as a complete build of this course, dated when the build started: a file edited
 * while Astro ran may not be in the build, so it makes the site out of date.
 */
export function stampBuild(siteDir: string, course: Course, startedAt: number): void {
  const stamp = path.join(siteDir, STAMP);
  writeFileSync(stamp, stampText(course));
  utimesSync(stamp, new Date(startedAt), new Date(startedAt));
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
export function buildSite(siteDir: string, course: Course, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const astro = path.join(PROJECT_ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [astro, 'build', '--outDir', siteDir, '--silent'], {
      cwd: PROJECT_ROOT,
      // The site reads the course from these, as the server does (course/course.ts).
      env: { ...env, LAYERLAB_COURSE: course.root, LAYERLAB_LESSONS_DIR: course.lessonsDir, ASTRO_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`the lesson site did not build (astro build ${signal ?? `exited ${code}`}); the reason is above`));
        return;
      }
      precompress(siteDir);
      stampBuild(siteDir, course, startedAt);
      resolve();
    });
  });
}

/** Builds the site unless the last build is current. */
export async function ensureSite(siteDir: string, course: Course, say: (line: string) => void): Promise<void> {
  if (siteIsCurrent(siteDir, course)) {
    say('the lesson site is up to date');
    return;
  }
  say('building the lesson site…');
  const started = Date.now();
  await buildSite(siteDir, course);
  say(`built the lesson site in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
