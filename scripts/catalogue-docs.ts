/**
 * `npm run docs:catalogue`: writes catalogue.schema.json (for editors) and docs/catalogue.md's
 * field tables from the catalogue's zod schema (sandbox-server/images/catalogue-schema.ts).
 * tests/unit/catalogue-file.test.ts fails when they and the schema differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { catalogueJsonSchemaText, renderCatalogueDoc } from '../sandbox-server/images/catalogue-docs.ts';

const doc = new URL('../docs/catalogue.md', import.meta.url);
const schema = new URL('../catalogue.schema.json', import.meta.url);
writeFileSync(schema, catalogueJsonSchemaText());
writeFileSync(doc, renderCatalogueDoc(readFileSync(doc, 'utf8')));
console.log('catalogue.schema.json and docs/catalogue.md: written from the schema');
