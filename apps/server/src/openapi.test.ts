import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TTestApp } from '#test/app';
import {
  exposedAuthEndpoints,
  idFields,
  queryParametersOf,
} from '#server/modules/auth/auth.routes';
import { documentPathOf, nullableAsType } from '#server/platform/http/openapi';
import { buildOpenApiDocument } from '#server/server';

type TOperation = {
  operationId?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses?: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
};

type TDocument = {
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, TOperation>>;
  components: {
    securitySchemes?: Record<string, unknown>;
    responses?: Record<string, { content?: Record<string, unknown> }>;
  };
};

const committed = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '..', 'openapi.json'), 'utf8'),
) as TDocument;

const operationsOf = (document: TDocument) =>
  Object.entries(document.paths).flatMap(([url, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${url}`,
      method,
      url,
      operation,
    })),
  );

describe('the committed OpenAPI document', () => {
  it('matches the route schemas (run `npm run openapi:write -w @corebase/server` after changing a route)', async () => {
    expect(await buildOpenApiDocument()).toEqual(committed);
  });

  it('names, describes, tags every operation, and documents its success and its problem+json errors', () => {
    const definedTags = new Set(
      (committed.tags ?? []).filter((tag) => tag.description).map((tag) => tag.name),
    );
    const isProblem = (response: { $ref?: string; content?: Record<string, unknown> } = {}) => {
      const resolved = response.$ref
        ? committed.components.responses?.[response.$ref.replace('#/components/responses/', '')]
        : response;
      return resolved?.content?.['application/problem+json'] !== undefined;
    };
    const seen = new Map<string, string>();
    const missing: string[] = [];
    for (const { name, operation } of operationsOf(committed)) {
      const id = operation.operationId;
      if (!id || !/^[a-z][a-zA-Z0-9]*$/.test(id)) missing.push(`${name}: camelCase operationId`);
      else if (seen.has(id)) missing.push(`${name}: operationId ${id} also on ${seen.get(id)}`);
      else seen.set(id, name);
      if (!operation.description?.trim()) missing.push(`${name}: description`);
      const tags = operation.tags ?? [];
      if (tags.length === 0 || !tags.every((tag) => definedTags.has(tag))) {
        missing.push(`${name}: a tag defined (with a description) in the top-level tags`);
      }
      const statuses = Object.keys(operation.responses ?? {});
      if (!statuses.some((status) => /^[23]\d\d$/.test(status))) {
        missing.push(`${name}: a 2xx or 3xx response`);
      }
      for (const range of ['4XX', '5XX']) {
        if (!isProblem(operation.responses?.[range])) {
          missing.push(`${name}: ${range} application/problem+json`);
        }
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (/^[45]\d\d$/.test(status) && !isProblem(response)) {
          missing.push(`${name}: ${status} as application/problem+json`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('names no path parameter `*` and declares every `{parameter}` of a path', () => {
    const wrong = operationsOf(committed).flatMap(({ name, url, operation }) => {
      const declared = new Set(
        ((operation as { parameters?: { in: string; name: string }[] }).parameters ?? [])
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => parameter.name),
      );
      const inUrl = [...url.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
      return inUrl
        .filter((parameter) => parameter === '*' || !declared.has(parameter))
        .map((parameter) => `${name}: {${parameter}}`);
    });
    expect(wrong).toEqual([]);
  });
});

type TSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  maxLength?: number;
  maxItems?: number;
  properties?: Record<string, TSchema>;
  [keyword: string]: unknown;
};

describe('what a request may send, in the committed OpenAPI document', () => {
  const allows = (schema: TSchema, type: string) => [schema.type].flat().includes(type);
  /** Each request body and query parameter schema, with the top-level fields of each. */
  const inputs = operationsOf(committed).flatMap(({ name, operation }) => {
    const { requestBody, parameters = [] } = operation as {
      requestBody?: { content?: Record<string, { schema?: TSchema }> };
      parameters?: { in: string; name: string; schema?: TSchema }[];
    };
    const found: { at: string; schema: TSchema; fields: [string, TSchema][] }[] = [];
    for (const [type, media] of Object.entries(requestBody?.content ?? {})) {
      if (!media.schema) continue;
      const branches = [media.schema, ...((media.schema.anyOf ?? []) as TSchema[])];
      found.push({
        at: `${name} body (${type})`,
        schema: media.schema,
        fields: branches.flatMap((branch) => Object.entries(branch.properties ?? {})),
      });
    }
    for (const parameter of parameters) {
      if (parameter.in !== 'query' || !parameter.schema) continue;
      found.push({
        at: `${name} ?${parameter.name}`,
        schema: parameter.schema,
        fields: [[parameter.name, parameter.schema]],
      });
    }
    return found;
  });

  /** An anchored pattern without `*`, `+` or `{n,}`: it bounds the length by itself. */
  const boundedPattern = (pattern: unknown) =>
    typeof pattern === 'string' &&
    pattern.startsWith('^') &&
    pattern.endsWith('$') &&
    !/[*+]|\{\d+,\}/.test(pattern);

  it('bounds every string (maxLength, enum, const, format uuid or a bounded pattern) and every array (maxItems)', () => {
    const unbounded: string[] = [];
    const visit = (value: unknown, at: string): void => {
      if (Array.isArray(value)) return value.forEach((inner, i) => visit(inner, `${at}/${i}`));
      if (value === null || typeof value !== 'object') return;
      const schema = value as TSchema;
      if (
        allows(schema, 'string') &&
        schema.maxLength === undefined &&
        schema.enum === undefined &&
        schema.const === undefined &&
        schema.format !== 'uuid' &&
        !boundedPattern(schema.pattern)
      ) {
        unbounded.push(`${at}: string without maxLength`);
      }
      if (allows(schema, 'array') && schema.maxItems === undefined) {
        unbounded.push(`${at}: array without maxItems`);
      }
      for (const [key, inner] of Object.entries(schema)) {
        // `properties` maps names to schemas; its keys are not schemas themselves.
        if (key === 'properties') {
          for (const [field, property] of Object.entries(inner as Record<string, unknown>)) {
            visit(property, `${at}/${field}`);
          }
        } else if (key !== 'enum' && key !== 'const' && key !== 'examples') visit(inner, at);
      }
    };
    for (const { at, schema } of inputs) visit(schema, at);
    expect(inputs.length).toBeGreaterThan(50);
    expect(unbounded).toEqual([]);
  });

  it('documents every id field (one of our UUIDs) as format uuid', () => {
    const loose = inputs.flatMap(({ at, fields }) =>
      fields
        .filter(([field, schema]) => idFields.includes(field) && allows(schema, 'string'))
        .filter(([, schema]) => schema.format !== 'uuid')
        .map(([field]) => `${at}: ${field}`),
    );
    expect(loose).toEqual([]);
    // The fields better-auth hands to PostgreSQL: a body's, a union branch's, a query's.
    const checked = inputs.flatMap(({ fields }) => fields.map(([field]) => field));
    for (const field of ['organizationId', 'invitationId', 'memberId', 'userId', 'id']) {
      expect(checked).toContain(field);
    }
  });

  it("states the front door's rules in better-auth's request bodies", () => {
    const body = (url: string) =>
      (
        committed.paths[url]!.post as unknown as {
          requestBody: { content: { 'application/json': { schema: TSchema } } };
        }
      ).requestBody.content['application/json'].schema;
    const signUp = body('/v1/auth/sign-up/email').properties!;
    expect(signUp.name).toMatchObject({ minLength: 1, maxLength: 100 });
    expect(signUp.image).toMatchObject({ maxLength: 2048 });
    expect(signUp.email).toMatchObject({ format: 'email', maxLength: 254 });
    expect(signUp.password).toMatchObject({ minLength: 10, maxLength: 128 });
    const create = body('/v1/auth/organization/create').properties!;
    expect(create.slug).toMatchObject({ pattern: expect.any(String) as unknown, maxLength: 48 });
    // The front door refuses a null logo on create and update: not documented as nullable.
    expect(create.logo!.type).toBe('string');
    const update = body('/v1/auth/organization/update').properties!.data!.properties!;
    expect(update.name).toMatchObject({ maxLength: 100 });
    expect(update.logo!.type).toBe('string');
    const memberIdOrEmail = body('/v1/auth/organization/remove-member').properties!
      .memberIdOrEmail!;
    expect(memberIdOrEmail.anyOf).toEqual([
      expect.objectContaining({ format: 'uuid' }),
      { format: 'email' },
    ]);
    const callbackURL = new RegExp(signUp.callbackURL!.pattern as string);
    for (const accepted of [
      '/',
      '/account?tab=1',
      'https://app.example.com/x',
      'http://localhost:3000',
    ]) {
      expect(accepted).toMatch(callbackURL);
    }
    for (const refused of [
      '//evil.example',
      '/\\evil.example',
      '/a b',
      'javascript:alert(1)',
      'https://',
    ]) {
      expect(refused).not.toMatch(callbackURL);
    }
  });
});

describe('null in the OpenAPI 3.1 document', () => {
  it('is a type, never the 3.0 `nullable` keyword a 3.1 validator ignores', () => {
    const found: string[] = [];
    const visit = (value: unknown, at: string): void => {
      if (Array.isArray(value)) return value.forEach((inner, i) => visit(inner, `${at}/${i}`));
      if (value === null || typeof value !== 'object') return;
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'nullable' && typeof inner === 'boolean') found.push(at);
        visit(inner, `${at}/${key}`);
      }
    };
    visit(committed, '#');
    expect(found).toEqual([]);
    // better-auth's nullable enum: null is one of its values too.
    const changeEmail = committed.paths['/v1/auth/change-email']!.post!.responses!['200'] as {
      content: { 'application/json': { schema: { properties: { message: object } } } };
    };
    expect(changeEmail.content['application/json'].schema.properties.message).toMatchObject({
      type: ['string', 'null'],
      enum: expect.arrayContaining([null]) as unknown,
    });
  });

  it('converts a nullable typed schema, $ref, allOf and enum, at any depth', () => {
    expect(
      nullableAsType({
        type: 'object',
        properties: {
          image: { type: 'string', nullable: true },
          member: { $ref: '#/components/schemas/Member', description: 'Who', nullable: true },
          both: { allOf: [{ $ref: '#/components/schemas/Member' }], nullable: true },
          status: { type: 'string', enum: ['a', 'b'], nullable: true },
          // A property may be called `nullable`.
          nullable: { type: 'boolean' },
          plain: { type: 'string', nullable: false },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        image: { type: ['string', 'null'] },
        member: {
          description: 'Who',
          anyOf: [{ $ref: '#/components/schemas/Member' }, { type: 'null' }],
        },
        both: {
          anyOf: [{ allOf: [{ $ref: '#/components/schemas/Member' }] }, { type: 'null' }],
        },
        status: { type: ['string', 'null'], enum: ['a', 'b', null] },
        nullable: { type: 'boolean' },
        plain: { type: 'string' },
      },
    });
  });
});

describe('each documented operation, against the routes the server serves', () => {
  let t: TTestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(async () => t?.close());

  it("follows its route's declared access, with schemes the document defines", async () => {
    const document = t.app.swagger() as unknown as TDocument;
    const routes = new Map(
      t.app.routeTable().map((route) => [`${route.method} ${documentPathOf(route.url)}`, route]),
    );
    const schemes = new Set(Object.keys(document.components.securitySchemes ?? {}));
    const wrong: string[] = [];
    for (const { name, method, url, operation } of operationsOf(document)) {
      const route = routes.get(`${method.toUpperCase()} ${url}`);
      if (!route) {
        wrong.push(`${name}: no route serves it`);
        continue;
      }
      const offered = (operation.security ?? []).map((requirement) => Object.keys(requirement));
      const names = new Set(offered.flat());
      for (const scheme of names) {
        if (!schemes.has(scheme)) wrong.push(`${name}: undefined scheme ${scheme}`);
      }
      const access = route.permission;
      if (operation.security === undefined) wrong.push(`${name}: no security`);
      else if (access === 'public') {
        if (offered.length > 0) wrong.push(`${name}: public, so security: []`);
      } else {
        // A session, by cookie or bearer token, is always one way in.
        if (!names.has('sessionCookie') || !names.has('bearerToken')) {
          wrong.push(`${name}: ${access} takes the session cookie or a bearer token`);
        }
        const takesApiKey = access !== undefined && access.includes(':') && !route.sessionOnly;
        if (names.has('apiKey') !== takesApiKey) {
          wrong.push(`${name}: ${access}${route.sessionOnly ? ' (sessionOnly)' : ''} api key`);
        }
        if (
          names.has('twoFactorCookie') !== (access === 'challenge' && url.includes('/two-factor/'))
        ) {
          wrong.push(`${name}: the two-factor cookie only completes a two-factor sign-in`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("documents the query parameters of each better-auth endpoint's query schema", () => {
    const document = t.app.swagger() as unknown as {
      paths: Record<
        string,
        Record<string, { parameters?: { in: string; name: string; required?: boolean }[] }>
      >;
    };
    const wrong: string[] = [];
    for (const endpoint of exposedAuthEndpoints(t.services.auth)) {
      if (!endpoint.query) continue;
      const url = documentPathOf(`/v1/auth${endpoint.path}`);
      for (const method of endpoint.methods) {
        const documented = new Map(
          (document.paths[url]?.[method.toLowerCase()]?.parameters ?? [])
            .filter((parameter) => parameter.in === 'query')
            .map((parameter) => [parameter.name, parameter.required ?? false]),
        );
        for (const { name, required } of queryParametersOf(endpoint.query)) {
          if (!documented.has(name)) wrong.push(`${method} ${url}: ?${name}`);
          else if (documented.get(name) !== required) {
            wrong.push(`${method} ${url}: ?${name} ${required ? 'required' : 'optional'}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    // The paging better-auth leaves undocumented.
    const listMembers = document.paths['/v1/auth/organization/list-members']!.get!.parameters;
    expect(listMembers?.map((parameter) => parameter.name)).toEqual(
      expect.arrayContaining(['limit', 'offset', 'organizationId']),
    );
  });
});
