import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { generateCommand, renderSchema, schemaFile } from './schema.ts';

it(
  'src/schema.ts is what the committed OpenAPI document generates',
  { timeout: 60_000 },
  async () => {
    const committed = await readFile(schemaFile, 'utf8');
    const fresh = await renderSchema();
    // Compared as a boolean: a diff of the whole generated file would bury the fix.
    expect(committed === fresh, `src/schema.ts is stale: run \`${generateCommand}\``).toBe(true);
  },
);
