/**
 * `npm run docs:lesson-schema`: writes lessons/lesson.schema.json (for editors) from the lesson
 * frontmatter's zod schema (sandbox-server/lessons/schema.ts). tests/unit/lesson-json-schema.test.ts
 * fails when it and the schema differ.
 */
import { writeFileSync } from 'node:fs';
import { LESSON_SCHEMA_FILE, lessonJsonSchemaText } from '../sandbox-server/lessons/lesson-json-schema.ts';

writeFileSync(new URL(`../${LESSON_SCHEMA_FILE}`, import.meta.url), lessonJsonSchemaText());
console.log(`${LESSON_SCHEMA_FILE}: written from the schema`);
