import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '#server/server';

describe('the committed OpenAPI document', () => {
  it('matches the route schemas (run `npm run openapi:write -w @corebase/server` after changing a route)', async () => {
    const committed: unknown = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '..', 'openapi.json'), 'utf8'),
    );
    expect(await buildOpenApiDocument()).toEqual(committed);
  });
});
