import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

/** The committed OpenAPI document the server writes with `npm run openapi:write`. */
export const documentFile = fileURLToPath(
  new URL('../../../apps/server/openapi.json', import.meta.url),
);

/** The generated types the client is typed by. */
export const schemaFile = fileURLToPath(new URL('../src/schema.ts', import.meta.url));

/** The one command that rewrites `schemaFile`; the drift test names it. */
export const generateCommand = 'npm run generate -w @corebase/sdk';

const banner = `${COMMENT_HEADER.trimEnd()}\n// Regenerate with \`${generateCommand}\` after \`npm run openapi:write -w @corebase/server\`.\n\n`;

/**
 * The text of `schemaFile` for the current document, formatted with the repository's Prettier
 * configuration so the committed file passes `prettier --check` as it is.
 */
export async function renderSchema(): Promise<string> {
  const document: unknown = JSON.parse(await readFile(documentFile, 'utf8'));
  // The parsed object, not the path: openapi-typescript then needs no file system or network
  // access, and the document has no external $ref to follow.
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { silent: true });
  const config = await resolveConfig(schemaFile);
  return format(banner + astToString(ast), { ...config, filepath: schemaFile });
}
