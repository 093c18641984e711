import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox-server/config/server.ts';
import { LessonError, LessonLibrary } from '../../sandbox-server/lessons/library.ts';
import { cleanUpCommands } from '../../sandbox-server/lessons/clean-up.ts';
import { checkCourseStatically } from '../../sandbox-server/lessons/static-check.ts';

/**
 * Every mistake issue 11 lists, one broken lesson each in tests/fixtures/course-mistakes, must fail
 * `layerlab lessons check --static` with a sentence naming the file and the place. The sentences
 * are asserted whole, so a vaguer one fails here.
 */
const COURSE = 'tests/fixtures/course-mistakes/lessons';
const CAPS = { contextMaxFiles: 200, contextMaxBytes: 8 * 1024 * 1024, fileMaxBytes: 1024 * 1024 };
const at = (lesson: string) => `${COURSE}/${lesson}/lesson.mdx`;

const EXPECTED: [mistake: string, sentence: string][] = [
  ['a misspelt contain: in a check', `${at('01-misspelt-contain')}: checks[0] ("web-answers"): "contain" is not a key here; did you mean "contains"? (keys: id, title, hint, reason, kind, file, contains, avoids, instruction, count)`],
  ['a misspelt hints: in a check', `${at('02-misspelt-hints')}: checks[0] ("An image tagged hello exists"): "hints" is not a key here; did you mean "hint"? (keys: id, title, hint, reason, kind, image, present)`],
  ['MDX that does not compile', `${at('03-mdx-syntax')}:19: the page does not compile as MDX: Expected a closing tag for \`<div>\``],
  ['a { in prose', `${at('04-stray-brace')}:19: the page does not compile as MDX: Unexpected end of file in expression, expected a corresponding closing brace for \`{\` (a { in prose starts a JavaScript expression; write \\{ or put it in \`code\`)`],
  ['a broken import', `${at('05-broken-import')}:15: imports "./Diagram.astro", which does not resolve from ${COURSE}/05-broken-import/`],
  ['a quiz answer out of range', `${at('06-quiz-answer')}:19: <Quiz> "Which command builds an image?": answer must be the index of an option, 0 to 1 (it is 2)`],
  ['a duplicate order', `${at('08-same-order-b')}: order: 7 is also the order of ${at('07-same-order-a')}; each lesson needs its own number`],
  ['duplicate check ids', `${at('09-duplicate-check-ids')}: checks[1] ("built"): has the same id as checks[0]; give each check its own id`],
  ['a YAML error, at the file\'s own line, whole', `${at('10-yaml-error')}:6: the frontmatter is not valid YAML: Nested mappings are not allowed in compact mappings`],
  ['an unknown check kind', `${at('11-unknown-kind')}: checks[0] ("runs").kind: is "containr", not a kind of check; did you mean "container"? (kinds: image, layers, image-config, container, publishes, http, dockerfile, pushed, command)`],
  ['a check on a port the solution never publishes', `${at('12-unpublished-port')}: checks[0] ("answers"): port 8080 is not published by the solution: no -p 8080:… in solutionCommands or run.args, nor ports: "8080:…" in a compose file (it publishes 8081)`],
];

describe('lessons check --static, on a course with one mistake per lesson', () => {
  it.each(EXPECTED)('refuses %s with a sentence naming the file and the place', async (_mistake, sentence) => {
    const { problems } = await checkCourseStatically(path.join(PROJECT_ROOT, COURSE), CAPS);
    expect(problems).toContain(sentence);
  });

  it('refuses an image the catalogue lacks, naming where the lesson needs it', async () => {
    const { problems } = await checkCourseStatically(path.join(PROJECT_ROOT, COURSE), CAPS);
    expect(problems.find((problem) => problem.startsWith(`${at('13-image-not-in-catalogue')}: `))).toMatch(
      /: the solution's Dockerfile line 1 needs postgres:9\.6, which the image catalogue lacks \(it has busybox:latest, /,
    );
  });

  it('finds nothing else: one problem per broken lesson', async () => {
    const { problems } = await checkCourseStatically(path.join(PROJECT_ROOT, COURSE), CAPS);
    expect(problems).toHaveLength(EXPECTED.length + 1);
  });

  it('passes the course itself', async () => {
    const { lessons, problems } = await checkCourseStatically(path.join(PROJECT_ROOT, 'lessons'), CAPS);
    expect(problems).toEqual([]);
    expect(lessons.length).toBeGreaterThanOrEqual(18);
  });

  it('is what the command line runs, which fails with the sentences and no engine', () => {
    const result = spawnSync(process.execPath, ['bin/layerlab.js', 'lessons', 'check', '--static'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, LAYERLAB_LESSONS_DIR: COURSE, DOCKER_HOST: 'unix:///nonexistent.sock' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    for (const [, sentence] of EXPECTED) expect(result.stdout).toContain(`✗ ${sentence}\n`);
  }, 30_000);

  it('has --help, for lessons and for lessons check', () => {
    for (const args of [['lessons', '--help'], ['lessons', 'check', '--help']]) {
      const result = spawnSync(process.execPath, ['bin/layerlab.js', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(result.status, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: layerlab lessons check \[ID\.\.\.\] \[--static\] \[--in-order\]/);
      expect(result.stdout).toContain('--static');
    }
  }, 30_000);
});

describe('the library, which the server and the site build both load', () => {
  it('refuses two lessons with the same order, and two checks with the same id', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'layerlab-same-order-'));
    try {
      for (const name of ['07-same-order-a', '08-same-order-b']) cpSync(path.join(PROJECT_ROOT, COURSE, name), path.join(root, name), { recursive: true });
      expect(() => new LessonLibrary(root, CAPS)).toThrow(/08-same-order-b\/lesson\.mdx: order: 7 is also the order of \S*07-same-order-a\/lesson\.mdx/);
      rmSync(path.join(root, '08-same-order-b'), { recursive: true });
      cpSync(path.join(PROJECT_ROOT, COURSE, '09-duplicate-check-ids'), path.join(root, '09-duplicate-check-ids'), { recursive: true });
      expect(() => new LessonLibrary(root, CAPS)).toThrow(LessonError);
      expect(() => new LessonLibrary(root, CAPS)).toThrow(/checks\[1\] \("built"\): has the same id as checks\[0\]/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads a yaml-language-server $schema comment in the frontmatter as a comment', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'layerlab-schema-comment-'));
    try {
      cpSync(path.join(PROJECT_ROOT, COURSE, '07-same-order-a'), path.join(root, '07-a'), { recursive: true });
      const file = path.join(root, '07-a', 'lesson.mdx');
      const text = (await import('node:fs')).readFileSync(file, 'utf8');
      writeFileSync(file, text.replace('---\n', '---\n# yaml-language-server: $schema=../lesson.schema.json\n'));
      expect(new LessonLibrary(root, CAPS).all().map((lesson) => lesson.id)).toEqual(['07-a']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('layerlab lessons new', () => {
  it('writes a lesson that passes the static check, with every section the guide asks for', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'layerlab-new-lesson-'));
    try {
      const result = spawnSync(process.execPath, ['bin/layerlab.js', 'lessons', 'new', 'layer-caching'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, LAYERLAB_LESSONS_DIR: root },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status, result.stderr).toBe(0);
      const verdict = await checkCourseStatically(root, CAPS);
      expect(verdict.problems).toEqual([]);
      const [lesson] = verdict.lessons;
      const text = (await import('node:fs')).readFileSync(lesson!.file, 'utf8');
      // What docs/authoring.md's workflow says the scaffold holds: one check with two hints, a
      // quiz, a runnable command and a ## Clean up section with its runnable block.
      expect(lesson!.frontmatter.checks).toHaveLength(1);
      expect([lesson!.frontmatter.checks[0]!.hint].flat()).toHaveLength(2);
      expect(text).toContain('\n<Quiz\n');
      expect(text).toContain('\n```sh run\n');
      expect(cleanUpCommands(text, lesson!.file).length).toBeGreaterThan(0);
      expect(lesson!.frontmatter.minutes).toBeGreaterThan(0);
      const guide = (await import('node:fs')).readFileSync(path.join(PROJECT_ROOT, 'docs/authoring.md'), 'utf8');
      expect(guide).toContain('one check with two\n   hints, a quiz, a runnable command and a `## Clean up` section');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the lessons check line about a starter', () => {
  it('names the checks it fails, by id, or by title when the id is only a position', async () => {
    const { failedChecks } = await import('../../sandbox-server/lessons/verify.ts');
    const results = [
      { id: 'built', title: 'An image tagged hello exists', passed: false, hints: [] },
      { id: '2', title: 'It says hello', passed: false, hints: [] },
      { id: 'listed', title: 'You listed it', passed: true, hints: [] },
    ];
    expect(failedChecks({ commands: [], results })).toEqual(['"built"', '"It says hello"']);
  });
});
