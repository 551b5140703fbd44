import { writeFile } from 'node:fs/promises';
import { renderSchema, schemaFile } from './schema.ts';

await writeFile(schemaFile, await renderSchema());
console.log(`wrote ${schemaFile}`);
