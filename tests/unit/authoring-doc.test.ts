import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { PROJECT_ROOT } from '../../sandbox-server/config/server.ts';
import { Check, LessonFrontmatter, SandboxOverrides } from '../../sandbox-server/lessons/schema.ts';

/**
 * docs/authoring.md is the instructor's guide to the lesson contract. It is written by hand, so this
 * test holds it to the schema: every frontmatter field, every check kind and each of its fields,
 * and every Quiz prop must be documented, and the guide's YAML examples must be valid lessons and
 * checks. A new field in the schema fails here until the guide explains it.
 */
const guide = readFileSync(path.join(PROJECT_ROOT, 'docs/authoring.md'), 'utf8');

/** The text under a heading, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const lines = guide.split('\n');
  const start = lines.findIndex((line) => line.replace(/^#+\s*/, '') === heading && line.startsWith('#'));
  expect(start, `docs/authoring.md has no heading "${heading}"`).toBeGreaterThanOrEqual(0);
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((line, index) => index > start && /^#+\s/.test(line) && /^#+/.exec(line)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Whether the text names a field as code: `field`. */
const documents = (text: string, field: string) => text.includes(`\`${field}\``);

/** The fenced blocks of one language in a piece of the guide. */
function fences(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm'))].map((match) => match[1]!);
}

type AnyObject = z.ZodObject<Record<string, z.ZodType>>;
const checkKinds = (Check as unknown as { options: AnyObject[] }).options;
const kindOf = (option: AnyObject) => (option.shape.kind as unknown as { value: string }).value;
const COMMON_CHECK_FIELDS = ['kind', 'id', 'title', 'hint', 'reason'];

describe('docs/authoring.md, against the lesson schema', () => {
  it('documents every top-level frontmatter field', () => {
    const table = section('Top-level fields');
    for (const field of Object.keys(LessonFrontmatter.shape)) expect(documents(table, field), `frontmatter field ${field}`).toBe(true);
  });

  it('documents every field of run and sandbox', () => {
    const run = (LessonFrontmatter.shape.run as unknown as z.ZodDefault<AnyObject>).unwrap();
    for (const field of Object.keys(run.shape)) expect(documents(section('`run`: the Run button'), field), `run.${field}`).toBe(true);
    for (const field of Object.keys(SandboxOverrides.shape)) {
      expect(documents(section('`sandbox`: per-lesson limits'), field), `sandbox.${field}`).toBe(true);
    }
  });

  it('documents the fields every check has', () => {
    const checks = section('Checks');
    const common = checks.slice(0, checks.indexOf('\n### '));
    const base = Object.keys(checkKinds[0]!.shape).filter((field) => checkKinds.every((option) => field in option.shape));
    expect(new Set(base)).toEqual(new Set(COMMON_CHECK_FIELDS));
    for (const field of base) expect(documents(common, field), `common check field ${field}`).toBe(true);
  });

  it.each(checkKinds.map((option) => [kindOf(option), option] as const))(
    'documents the %s check: every field, a YAML example and its failure sentence',
    (kind, option) => {
      const text = section(`\`${kind}\``);
      for (const field of Object.keys(option.shape).filter((name) => !COMMON_CHECK_FIELDS.includes(name))) {
        expect(documents(text, field), `${kind}.${field}`).toBe(true);
      }
      const examples = fences(text, 'yaml').flatMap((yaml) => parseYaml(yaml) as object[]);
      expect(examples.some((example) => (example as { kind?: string }).kind === kind), `a YAML example of kind: ${kind}`).toBe(true);
      for (const example of examples) {
        const parsed = Check.safeParse(example);
        expect(parsed.success, `${kind} example: ${parsed.error?.message}`).toBe(true);
      }
      expect(text).toMatch(/Fails with/);
    },
  );

  it('lists every check kind in the schema, and no other', () => {
    const documented = [...section('Checks').matchAll(/^### `([\w-]+)`$/gm)].map((match) => match[1]);
    expect(new Set(documented)).toEqual(new Set(checkKinds.map(kindOf)));
  });

  it('shows a complete frontmatter example that the schema accepts', () => {
    const [example] = fences(section('The frontmatter'), 'yaml');
    const yaml = /^---\n([\s\S]*?)\n---\s*$/.exec(example ?? '')?.[1];
    expect(yaml, 'a ```yaml block between --- lines').toBeDefined();
    const parsed = LessonFrontmatter.safeParse(parseYaml(yaml!));
    expect(parsed.success, parsed.error?.message).toBe(true);
  });

  it('documents every prop of the Quiz component', () => {
    const component = readFileSync(path.join(PROJECT_ROOT, 'src/components/Quiz.astro'), 'utf8');
    const props = /interface Props \{([\s\S]*?)\n\}/.exec(component)![1]!;
    const names = [...props.matchAll(/^\s*(\w+)\??:/gm)].map((match) => match[1]!);
    expect(names).toEqual(expect.arrayContaining(['question', 'options', 'answer', 'explanation', 'predict']));
    const quizzes = section('Quizzes');
    for (const name of names) expect(documents(quizzes, name), `Quiz prop ${name}`).toBe(true);
  });

  it('documents the lessons commands and the dev server', () => {
    for (const text of ['layerlab lessons new', 'layerlab lessons check', 'npm run dev', 'sh run', '<Run command=']) {
      expect(guide, text).toContain(text);
    }
  });
});
