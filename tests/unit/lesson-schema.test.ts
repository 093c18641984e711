import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox-server/config/server.ts';
import { LessonLibrary, readFrontmatter } from '../../sandbox-server/lessons/library.ts';
import { describeLessonError, LessonFrontmatter } from '../../sandbox-server/lessons/schema.ts';

const FIXTURES = 'tests/fixtures/lessons';

function validate(file: string) {
  const parsed = LessonFrontmatter.safeParse(readFrontmatter(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file));
  return parsed.success ? { ok: true as const, data: parsed.data } : { ok: false as const, message: describeLessonError(file, parsed.error) };
}

describe('the lesson frontmatter contract', () => {
  it.each(readdirSync(path.join(PROJECT_ROOT, FIXTURES, 'good')))('accepts the good fixture %s', (name) => {
    const result = validate(`${FIXTURES}/good/${name}`);
    expect(result.ok ? '' : result.message).toBe('');
  });

  it('fills in the defaults a lesson may leave out', () => {
    const result = validate(`${FIXTURES}/good/01-hello.mdx`);
    if (!result.ok) throw new Error(result.message);
    expect(result.data.run).toEqual({ args: '', remove: true });
    expect(result.data.checks[0]).toMatchObject({ kind: 'image', present: true });
  });

  // Each broken fixture has one mistake; the sentence must name the file and the field.
  const broken: [string, string, RegExp][] = [
    ['unknown-field.mdx', 'frontmatter', /Unrecognized key: "titel"/],
    ['unknown-field.mdx', 'title', /expected string/],
    ['check-kind.mdx', 'checks.0.kind', /Expected 'image' \| 'layers'/],
    ['http-port.mdx', 'checks.1.port', /expected number, received string/],
    ['image-name.mdx', 'image', /lowercase image name/],
    ['missing-summary.mdx', 'summary', /expected string, received undefined/],
    ['order-type.mdx', 'order', /expected number/],
  ];
  it.each(broken)('refuses %s with a sentence naming the file and %s', (name, field, message) => {
    const file = `${FIXTURES}/broken/${name}`;
    const result = validate(file);
    expect(result.ok).toBe(false);
    const line = (result.ok ? '' : result.message).split('\n').find((candidate) => candidate.startsWith(`${file}: ${field}: `));
    expect(line, `no line starts with "${file}: ${field}: "`).toBeDefined();
    expect(line).toMatch(message);
  });

  it('covers every broken fixture', () => {
    expect(new Set(broken.map(([name]) => name))).toEqual(new Set(readdirSync(path.join(PROJECT_ROOT, FIXTURES, 'broken'))));
  });

  it('holds for the course itself: ids are file names, orders are unique', () => {
    const library = new LessonLibrary(path.join(PROJECT_ROOT, 'lessons'));
    const lessons = library.all();
    expect(lessons.length).toBeGreaterThanOrEqual(3);
    expect(lessons.map((lesson) => `${lesson.id}.mdx`)).toEqual(
      readdirSync(path.join(PROJECT_ROOT, 'lessons')).filter((name) => name.endsWith('.mdx') && !name.startsWith('_')).sort(),
    );
    const orders = lessons.map((lesson) => lesson.frontmatter.order);
    expect(new Set(orders).size).toBe(orders.length);
  });
});

describe('the site build', () => {
  it('stops on a broken lesson with the sentence naming the file and the field', () => {
    const lessons = mkdtempSync(path.join(os.tmpdir(), 'layerlab-broken-lessons-'));
    try {
      copyFileSync(path.join(PROJECT_ROOT, FIXTURES, 'broken', 'http-port.mdx'), path.join(lessons, '01-broken.mdx'));
      // astro sync loads the content collections exactly as astro build does, without bundling.
      const result = spawnSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'sync'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, LAYERLAB_LESSONS_DIR: lessons, ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.status, output).not.toBe(0);
      expect(output).toMatch(/\[LessonError\] \S*01-broken\.mdx: checks\.1\.port: Invalid input: expected number, received string/);
    } finally {
      rmSync(lessons, { recursive: true, force: true });
    }
  }, 60_000);
});
