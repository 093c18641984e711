/**
 * `npm run docs:env`: writes README.md's tables of environment variables from the zod schema
 * that reads them (sandbox-server/config/environment.ts). tests/unit/environment.test.ts fails
 * when the README and the schema differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadmeTables } from '../sandbox-server/config/environment-docs.ts';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = renderReadmeTables(before);
if (after === before) console.log('README.md: the tables already match the schema');
else {
  writeFileSync(file, after);
  console.log('README.md: tables of environment variables rewritten from the schema');
}
