import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox-server/config/server.ts';
import { LessonError, LessonLibrary, loadLesson, solutionFiles } from '../../sandbox-server/lessons/library.ts';
import type { WorkspaceCaps } from '../../sandbox-server/sessions/workspace.ts';

const FIXTURES = 'tests/fixtures/lessons';
const CAPS: WorkspaceCaps = { contextMaxFiles: 200, contextMaxBytes: 8 * 1024 * 1024, fileMaxBytes: 1024 * 1024 };

/** Loads a lesson folder, as the server and the site both do; paths in sentences are relative to the cwd. */
function load(folder: string, caps: WorkspaceCaps = CAPS) {
  try {
    return { ok: true as const, lesson: loadLesson(path.resolve(PROJECT_ROOT, folder), caps) };
  } catch (error) {
    if (!(error instanceof LessonError)) throw error;
    return { ok: false as const, message: error.message };
  }
}

/** The one line of a refusal that starts with this place, or a failure saying there is none. */
function lineAt(result: ReturnType<typeof load>, place: string): string {
  expect(result.ok, 'the lesson was accepted').toBe(false);
  const line = (result.ok ? '' : result.message).split('\n').find((candidate) => candidate.startsWith(`${place}: `));
  expect(line, `no line starts with "${place}: " in:\n${result.ok ? '' : result.message}`).toBeDefined();
  return line!;
}

const temporary: string[] = [];
afterEach(() => {
  for (const folder of temporary.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A copy of the good fixture 01-hello in a temporary folder, to break one file at a time. */
function scratchLesson(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'layerlab-lesson-folder-'));
  temporary.push(root);
  const folder = path.join(root, '01-hello');
  cpSync(path.join(PROJECT_ROOT, FIXTURES, 'good', '01-hello'), folder, { recursive: true });
  return folder;
}
const shown = (file: string) => path.relative(process.cwd(), file);

describe('a lesson folder', () => {
  it.each(readdirSync(path.join(PROJECT_ROOT, FIXTURES, 'good')))('accepts the good fixture %s', (name) => {
    const result = load(`${FIXTURES}/good/${name}`);
    expect(result.ok ? '' : result.message).toBe('');
  });

  it('fills in the defaults a lesson may leave out', () => {
    const result = load(`${FIXTURES}/good/01-hello`);
    if (!result.ok) throw new Error(result.message);
    expect(result.lesson.frontmatter.run).toEqual({ args: '', remove: true });
    expect(result.lesson.frontmatter.checks[0]).toMatchObject({ kind: 'image', present: true });
  });

  it('reads files/ at any depth, and lays solution/ over it', () => {
    const result = load(`${FIXTURES}/good/02-web`);
    if (!result.ok) throw new Error(result.message);
    const { lesson } = result;
    expect(lesson.id).toBe('02-web');
    expect(lesson.files).toEqual({ Dockerfile: 'FROM nginx:1.22\n', 'site/index.html': '<h1>hi</h1>' });
    expect(Object.keys(lesson.solution).sort()).toEqual(['Dockerfile', 'site/about.html']);
    expect(Object.fromEntries(solutionFiles(lesson))).toEqual({
      Dockerfile: 'FROM nginx:1.22\nCOPY site/ /usr/share/nginx/html/\n',
      'site/index.html': '<h1>hi</h1>',
      'site/about.html': '<h1>about</h1>\n',
    });
  });

  it('needs no solution/ when the solution only runs commands', () => {
    const folder = scratchLesson();
    rmSync(path.join(folder, 'solution'), { recursive: true });
    const result = load(folder);
    expect(result.ok ? result.lesson.solution : result.message).toEqual({});
  });

  // Each broken fixture has one mistake; the sentence must name the file and the field or place.
  const broken: [string, string, RegExp][] = [
    ['unknown-field', 'lesson.mdx: frontmatter', /^"titel" is not a key here; did you mean "title"\?/],
    ['unknown-field', 'lesson.mdx: title', /^is missing$/],
    ['check-kind', 'lesson.mdx: checks[0] ("An image tagged broken exists").kind', /^is "imagee", not a kind of check; did you mean "image"\?/],
    ['http-port', 'lesson.mdx: checks[1] ("It answers").port', /^should be a number, not the string "eighty"$/],
    ['image-name', 'lesson.mdx: image', /lowercase image name/],
    ['missing-summary', 'lesson.mdx: summary', /^is missing$/],
    ['order-type', 'lesson.mdx: order', /^should be a number, not the string "nine"$/],
    ['stray-files-key', 'lesson.mdx: files', /starter files now live in the files\/ folder next to lesson\.mdx/],
    ['stray-files-key', 'lesson.mdx: solution', /solution now lives in the solution\/ folder next to lesson\.mdx/],
    ['no-lesson-mdx', '', /a lesson folder needs a lesson\.mdx/],
    ['unsafe-solution-path', 'solution/my notes.txt', /"my notes\.txt" is not a workspace file name/],
    ['unchanged-solution', 'solution/Dockerfile', /is the same as files\/Dockerfile; solution\/ holds only the files the solution changes/],
  ];
  it.each(broken)('refuses %s with a sentence naming %s', (name, place, message) => {
    const folder = `${FIXTURES}/broken/${name}`;
    const at = place ? `${folder}/${place}` : folder;
    expect(lineAt(load(folder), at).slice(at.length + 2)).toMatch(message);
  });

  it('keeps the other unknown keys in the sentence when files: is one of them', () => {
    const folder = scratchLesson();
    writeFileSync(path.join(folder, 'lesson.mdx'), '---\ntitle: T\nsummary: S\norder: 1\nobjectives: [o]\nimage: hello\nfiles: {}\ntitel: x\n---\n');
    const result = load(folder);
    expect(lineAt(result, `${shown(folder)}/lesson.mdx: files`)).toMatch(/files\/ folder/);
    expect(lineAt(result, `${shown(folder)}/lesson.mdx: frontmatter`)).toMatch(`${shown(folder)}/lesson.mdx: frontmatter: "titel" is not a key here; did you mean "title"?`);
  });

  it('covers every broken fixture', () => {
    expect(new Set(broken.map(([name]) => name))).toEqual(new Set(readdirSync(path.join(PROJECT_ROOT, FIXTURES, 'broken'))));
  });

  it('refuses a lesson with no files/, or an empty one', () => {
    const folder = scratchLesson();
    rmSync(path.join(folder, 'files'), { recursive: true });
    expect(lineAt(load(folder), shown(folder))).toMatch(/needs a files\/ folder with the starter workspace/);
    mkdirSync(path.join(folder, 'files', 'empty'), { recursive: true });
    expect(lineAt(load(folder), shown(path.join(folder, 'files')))).toMatch(/at least one starter file/);
  });

  it('refuses a binary file with a sentence', () => {
    const folder = scratchLesson();
    writeFileSync(path.join(folder, 'files', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]));
    expect(lineAt(load(folder), shown(path.join(folder, 'files', 'logo.png')))).toMatch(/is not UTF-8 text; binary files are not supported/);
  });

  it('refuses a symbolic link, which could reach outside the lesson', () => {
    const folder = scratchLesson();
    symlinkSync('/etc/passwd', path.join(folder, 'files', 'passwd'));
    expect(lineAt(load(folder), shown(path.join(folder, 'files', 'passwd')))).toMatch(/is a symbolic link; a lesson's workspace holds regular files only/);
  });

  it('refuses an unsafe path deeper down, naming the folder it is in', () => {
    const folder = scratchLesson();
    mkdirSync(path.join(folder, 'solution', 'my site'), { recursive: true });
    writeFileSync(path.join(folder, 'solution', 'my site', 'index.html'), 'hi');
    expect(lineAt(load(folder), shown(path.join(folder, 'solution', 'my site')))).toMatch(/"my site" is not a workspace file name/);
  });

  it('holds files to the workspace caps: size of one file, count and bytes in all', () => {
    const folder = scratchLesson();
    const caps: WorkspaceCaps = { contextMaxFiles: 3, contextMaxBytes: 80, fileMaxBytes: 40 };
    writeFileSync(path.join(folder, 'files', 'big.txt'), 'x'.repeat(41));
    expect(lineAt(load(folder, caps), shown(path.join(folder, 'files', 'big.txt')))).toMatch(/is 41 bytes; one file may hold at most 40/);
    rmSync(path.join(folder, 'files', 'big.txt'));
    for (const name of ['a', 'b', 'c']) writeFileSync(path.join(folder, 'files', name), name);
    expect(lineAt(load(folder, caps), shown(path.join(folder, 'files')))).toMatch(/holds more than 3 files; a workspace may have at most 3/);
    for (const name of ['a', 'b', 'c']) rmSync(path.join(folder, 'files', name));
    for (const name of ['a', 'b']) writeFileSync(path.join(folder, 'files', name), 'y'.repeat(40));
    expect(lineAt(load(folder, caps), shown(path.join(folder, 'files')))).toMatch(/holds more than 80 bytes/);
  });

  it('holds the solution workspace, files/ with solution/ over it, to the caps too', () => {
    const folder = scratchLesson();
    const caps: WorkspaceCaps = { contextMaxFiles: 2, contextMaxBytes: 1000, fileMaxBytes: 100 };
    writeFileSync(path.join(folder, 'files', 'a'), 'a');
    writeFileSync(path.join(folder, 'solution', 'b'), 'b');
    expect(lineAt(load(folder, caps), shown(path.join(folder, 'solution')))).toMatch(/the solution workspace .*has 3 files; at most 2 are allowed/);
  });

  it('refuses a file in solution/ where files/ has a folder of that name', () => {
    const folder = scratchLesson();
    mkdirSync(path.join(folder, 'files', 'site'));
    writeFileSync(path.join(folder, 'files', 'site', 'index.html'), 'hi');
    writeFileSync(path.join(folder, 'solution', 'site'), 'a file');
    expect(lineAt(load(folder), shown(path.join(folder, 'solution')))).toMatch(/"site" is both a file and a folder/);
  });

  it('suggests the folder a typo meant, and ignores editor swap files', () => {
    const folder = scratchLesson();
    writeFileSync(path.join(folder, 'files', '.Dockerfile.swp'), Buffer.from([0, 1, 2]));
    writeFileSync(path.join(folder, 'files', 'Dockerfile~'), 'old');
    expect(load(folder).ok).toBe(true);
    cpSync(path.join(folder, 'solution'), path.join(folder, 'solutions'), { recursive: true });
    expect(lineAt(load(folder), shown(path.join(folder, 'solutions')))).toMatch(/did you mean solution\/\?/);
  });

  it('refuses a lesson left in the old single-file layout, saying where its parts go', () => {
    const root = path.dirname(scratchLesson());
    writeFileSync(path.join(root, '13-old.mdx'), '---\ntitle: Old\n---\n');
    expect(() => new LessonLibrary(root, CAPS)).toThrow(
      `${shown(path.join(root, '13-old.mdx'))}: a lesson is a folder now; move this file to 13-old/lesson.mdx without its files: and solution: fields`,
    );
  });

  it('holds for the course itself: ids are folder names, orders are unique', () => {
    const library = new LessonLibrary(path.join(PROJECT_ROOT, 'lessons'));
    const lessons = library.all();
    expect(lessons.length).toBeGreaterThanOrEqual(3);
    expect(lessons.map((lesson) => lesson.id).sort()).toEqual(
      readdirSync(path.join(PROJECT_ROOT, 'lessons'), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
        .map((entry) => entry.name)
        .sort(),
    );
    const orders = lessons.map((lesson) => lesson.frontmatter.order);
    expect(new Set(orders).size).toBe(orders.length);
  });
});

describe('the site build', () => {
  it.each([
    ['http-port', /\[LessonError\] \S*01-broken\/lesson\.mdx: checks\[1\] \("It answers"\)\.port: should be a number, not the string "eighty"/],
    ['unsafe-solution-path', /\[LessonError\] \S*01-broken\/solution\/my notes\.txt: "my notes\.txt" is not a workspace file name/],
  ])('stops on the broken lesson %s with the sentence naming the file and the place', (name, message) => {
    const lessons = mkdtempSync(path.join(os.tmpdir(), 'layerlab-broken-lessons-'));
    try {
      cpSync(path.join(PROJECT_ROOT, FIXTURES, 'broken', name), path.join(lessons, '01-broken'), { recursive: true });
      // astro sync loads the content collections exactly as astro build does, without bundling.
      const result = spawnSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'sync'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, LAYERLAB_LESSONS_DIR: lessons, ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.status, output).not.toBe(0);
      expect(output).toMatch(message);
    } finally {
      rmSync(lessons, { recursive: true, force: true });
    }
  }, 60_000);
});
