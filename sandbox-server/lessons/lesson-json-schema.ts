import { z } from 'zod';
import { LessonFrontmatter } from './schema.ts';

/**
 * lessons/lesson.schema.json: the lesson frontmatter's JSON Schema, generated from the zod schema
 * (`npm run docs:lesson-schema`), so an editor can complete and validate a lesson's frontmatter.
 * tests/unit/lesson-json-schema.test.ts fails when the committed file drifts from the schema.
 */
export const LESSON_SCHEMA_FILE = 'lessons/lesson.schema.json';

export function lessonJsonSchemaText(): string {
  // io: 'input' describes what an author writes: fields with defaults are optional there.
  const schema = z.toJSONSchema(LessonFrontmatter, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Layerlab lesson frontmatter' }, null, 2)}\n`;
}
