import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dynamicImports, measurePages, staticImports } from '../../bench/page-weight.ts';
import { siteInputs, siteIsCurrent, stampBuild } from '../../sandbox-server/cli/site-build.ts';
import { lazyCssIn } from '../../src/lib/lazy-css.ts';
import { commandsOf } from '../../src/lib/runnable-fences.ts';
import { languageFor, tabOrder } from '../../src/lib/workspace-files.ts';

const temporary: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-site-'));
  temporary.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('workspace files', () => {
  it('puts the Dockerfile first, then the rest by name', () => {
    expect(tabOrder(['server.js', 'package.json', 'Dockerfile', 'api/Dockerfile'])).toEqual([
      'Dockerfile',
      'api/Dockerfile',
      'package.json',
      'server.js',
    ]);
  });

  it('picks an editor mode from the file name', () => {
    expect(['Dockerfile', 'web.dockerfile', 'app.js', 'package.json', 'app.py', 'index.html', 'notes.txt', 'Makefile'].map(languageFor)).toEqual(
      ['dockerfile', 'dockerfile', 'javascript', 'json', 'python', 'html', 'plaintext', 'plaintext'],
    );
  });
});

describe('runnable fences', () => {
  it('runs every line but blanks and comments, with continuations joined and prompts dropped', () => {
    expect(commandsOf('# build it\ndocker build \\\n  -t hello .\n\n$ docker run --rm hello\n')).toEqual([
      'docker build -t hello .',
      'docker run --rm hello',
    ]);
  });
});

describe('page weight', () => {
  it('tells static imports from dynamic ones in minified output', () => {
    const code =
      'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["_astro/editor.A.js","_astro/editor.B.css"])))=>i.map(i=>d[i]);' +
      'import{a as e}from"./storage.js";import"./side.js";export{b}from"./re.js";const x=()=>import("./lazy.js");';
    expect(staticImports(code)).toEqual(['./storage.js', './side.js', './re.js']);
    expect(dynamicImports(code)).toEqual(['./lazy.js', '/_astro/editor.A.js']);
    expect(lazyCssIn(code)).toEqual(['/_astro/editor.B.css']);
  });

  it('counts scripts and their static imports as eager, dynamic imports as lazy', () => {
    const site = tempDir();
    mkdirSync(path.join(site, '_astro'));
    writeFileSync(path.join(site, 'index.html'), '<script type="module" src="/_astro/entry.js"></script><script type="application/json">{"a":1}</script>');
    writeFileSync(path.join(site, '_astro', 'entry.js'), 'import{a}from"./shared.js";const w=()=>import("./big.js");');
    writeFileSync(path.join(site, '_astro', 'shared.js'), 'export const a=1;');
    writeFileSync(path.join(site, '_astro', 'big.js'), `import"./bigger.js";${'x'.repeat(5000)}`);
    writeFileSync(path.join(site, '_astro', 'bigger.js'), 'y');
    const [page] = measurePages(site);
    expect(page!.page).toBe('/');
    expect(page!.eager.files).toEqual(['/_astro/entry.js', '/_astro/shared.js']);
    expect(page!.lazy.files).toEqual(['/_astro/big.js', '/_astro/bigger.js']);
    expect(page!.eager.gzipBytes).toBeGreaterThan(0);
  });
});

describe('the site build stamp', () => {
  it('is current only when newer than every input, and for the same course', () => {
    const root = tempDir();
    const site = path.join(root, 'dist');
    mkdirSync(site);
    mkdirSync(path.join(root, 'src'));
    mkdirSync(path.join(root, 'lessons', '01-a', 'files'), { recursive: true });
    writeFileSync(path.join(root, 'src', 'page.astro'), 'x');
    writeFileSync(path.join(root, 'lessons', '01-a', 'files', 'Dockerfile'), 'FROM busybox\n');
    const course = { root, shipped: false, lessonsDir: path.join(root, 'lessons'), catalogueFile: undefined, title: 'A course', summary: undefined };
    expect(siteIsCurrent(site, course, root)).toBe(false);
    const past = new Date(Date.now() - 60_000);
    const age = (...parts: string[]) => utimesSync(path.join(root, ...parts), past, past);
    for (const parts of [['src', 'page.astro'], ['src'], ['lessons', '01-a', 'files', 'Dockerfile'], ['lessons', '01-a', 'files'], ['lessons', '01-a'], ['lessons']]) age(...parts);
    stampBuild(site, course, Date.now());
    expect(siteIsCurrent(site, course, root)).toBe(true);
    // A file edited while the build ran (after it started) may not be in it.
    stampBuild(site, course, past.getTime() - 1000);
    expect(siteIsCurrent(site, course, root)).toBe(false);
    stampBuild(site, course, Date.now());
    // Another course in the same dist/, or the same course with another title (a course.yml deleted), is another site.
    expect(siteIsCurrent(site, { ...course, root: path.join(root, 'other'), lessonsDir: path.join(root, 'other', 'lessons') }, root)).toBe(false);
    expect(siteIsCurrent(site, { ...course, title: 'lessons' }, root)).toBe(false);
    // A starter file deleted shows only in its folder's time.
    rmSync(path.join(root, 'lessons', '01-a', 'files', 'Dockerfile'));
    expect(siteIsCurrent(site, course, root)).toBe(false);
    age('lessons', '01-a', 'files');
    expect(siteIsCurrent(site, course, root)).toBe(true);
    writeFileSync(path.join(root, 'src', 'page.astro'), 'changed');
    expect(siteIsCurrent(site, course, root)).toBe(false);
    expect(siteInputs(course, root)).toEqual(expect.arrayContaining([course.lessonsDir, path.join(root, 'course.yml'), path.join(root, 'src')]));
  });
});
