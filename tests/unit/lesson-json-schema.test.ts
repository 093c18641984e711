import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox-server/config/server.ts';
import { LESSON_SCHEMA_FILE, lessonJsonSchemaText } from '../../sandbox-server/lessons/lesson-json-schema.ts';
import { readFrontmatter } from '../../sandbox-server/lessons/library.ts';

/**
 * lessons/lesson.schema.json is generated from the zod schema (npm run docs:lesson-schema) and
 * committed, for editors. It must be what the generator writes today, and an editor holding a
 * frontmatter to it must agree with `lessons check`: every course lesson valid, a misspelt key not.
 */
const committed = readFileSync(path.join(PROJECT_ROOT, LESSON_SCHEMA_FILE), 'utf8');
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(committed));

describe('lessons/lesson.schema.json', () => {
  it('is up to date with the zod schema (run npm run docs:lesson-schema)', () => {
    expect(committed).toBe(lessonJsonSchemaText());
  });

  it.each(readdirSync(path.join(PROJECT_ROOT, 'lessons'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name))(
    'accepts the frontmatter of %s',
    (id) => {
      const text = readFileSync(path.join(PROJECT_ROOT, 'lessons', id, 'lesson.mdx'), 'utf8');
      expect(validate(readFrontmatter(text, id)), JSON.stringify(validate.errors)).toBe(true);
    },
  );

  it('refuses a misspelt key inside a check, as lessons check does', () => {
    const file = path.join(PROJECT_ROOT, 'tests/fixtures/course-mistakes/lessons/01-misspelt-contain/lesson.mdx');
    expect(validate(readFrontmatter(readFileSync(file, 'utf8'), file))).toBe(false);
  });
});
