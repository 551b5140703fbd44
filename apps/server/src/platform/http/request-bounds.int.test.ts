import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { authEndpointAccess } from '#server/modules/auth/auth.routes';
import { authBasePath } from '#server/modules/auth/auth';
import { createTestApp, type TTestApp } from '#test/app';

type TJsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  maxLength?: number;
  maxItems?: number;
  items?: TJsonSchema | TJsonSchema[];
  prefixItems?: TJsonSchema[];
  properties?: Record<string, TJsonSchema>;
  additionalProperties?: TJsonSchema | boolean;
  propertyNames?: TJsonSchema;
  anyOf?: TJsonSchema[];
  oneOf?: TJsonSchema[];
  allOf?: TJsonSchema[];
  not?: TJsonSchema;
};

/** A pattern that cannot match more than a fixed length: anchored, no open-ended repetition. */
const boundedPattern = (pattern: string) =>
  pattern.startsWith('^') &&
  pattern.endsWith('$') &&
  !/[*+]|\{\d+,\}/.test(pattern.replace(/\\./g, ''));

/** Formats whose values have a fixed shape and length. */
const boundedFormats = new Set(['uuid']);

/** Where in a schema a string or array has no maximum. */
function unbounded(schema: TJsonSchema, at: string): string[] {
  const found: string[] = [];
  for (const option of [
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.allOf ?? []),
  ]) {
    found.push(...unbounded(option, at));
  }
  if (schema.const !== undefined || schema.enum) return found;
  const types = [schema.type ?? []].flat();
  if (types.includes('string')) {
    const bounded =
      schema.maxLength !== undefined ||
      (schema.format !== undefined && boundedFormats.has(schema.format)) ||
      (schema.pattern !== undefined && boundedPattern(schema.pattern));
    if (!bounded) found.push(`${at || '(root)'}: string without maxLength`);
  }
  if (types.includes('array')) {
    if (schema.maxItems === undefined && !(schema.prefixItems && schema.items === undefined)) {
      found.push(`${at || '(root)'}: array without maxItems`);
    }
    for (const item of [schema.items ?? [], schema.prefixItems ?? []].flat()) {
      found.push(...unbounded(item, `${at}[]`));
    }
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    found.push(...unbounded(property, at ? `${at}.${name}` : name));
  }
  if (typeof schema.additionalProperties === 'object') {
    found.push(...unbounded(schema.additionalProperties, `${at}.*`));
    found.push(...unbounded(schema.propertyNames ?? { type: 'string' }, `${at}.(key)`));
  }
  return found;
}

describe('request schemas', () => {
  let t: TTestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(() => t?.close());

  it('bound every string and array a client sends, on every route of ours', () => {
    const betterAuthUrls = new Set(
      Object.keys(authEndpointAccess).map((p) => `${authBasePath}${p}`),
    );
    const routes = t.app.routeTable().filter((r) => r.method !== 'HEAD' && r.url !== '*');
    const found: string[] = [];
    let checked = 0;
    for (const route of routes) {
      // better-auth's endpoint schemas set no maxima; the JSON limits at the front door bound
      // their bodies, and the length checks of auth.routes.ts their names, slugs and addresses.
      if (betterAuthUrls.has(route.url)) continue;
      for (const part of ['body', 'querystring', 'params'] as const) {
        const schema = route.schemas[part];
        if (!(schema instanceof z.ZodType)) continue;
        checked++;
        const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as TJsonSchema;
        for (const issue of unbounded(json, ''))
          found.push(`${route.method} ${route.url} ${part} ${issue}`);
      }
    }
    expect(found).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });
});
