import { ZProblem, type TRouteAccess } from '@corebase/contracts';
import { z } from 'zod';

/**
 * The last step of the OpenAPI document (@fastify/swagger's `transformObject`): what the route
 * schemas cannot say each on their own. Security follows each route's declared access, every
 * operation documents its problem+json errors, and the document lints clean under Spectral's
 * `spectral:oas` ruleset (`npm run lint:openapi`).
 */

/** The names of the security schemes, as operations reference them. */
const securitySchemeNames = {
  sessionCookie: 'sessionCookie',
  bearerToken: 'bearerToken',
  apiKey: 'apiKey',
  twoFactorCookie: 'twoFactorCookie',
} as const;

type TSecurityRequirement = Record<string, string[]>;

const sessionCookie: TSecurityRequirement = { [securitySchemeNames.sessionCookie]: [] };
const bearerToken: TSecurityRequirement = { [securitySchemeNames.bearerToken]: [] };
const apiKey: TSecurityRequirement = { [securitySchemeNames.apiKey]: [] };

/** A signed-in person: the session cookie, or a bearer token (session token or JWT). */
const sessionSecurity: TSecurityRequirement[] = [sessionCookie, bearerToken];

/** The endpoints that complete a two-factor sign-in: its short-lived cookie, or a session. */
export const twoFactorChallengeSecurity: TSecurityRequirement[] = [
  { [securitySchemeNames.twoFactorCookie]: [] },
  ...sessionSecurity,
];

const securitySchemes = {
  [securitySchemeNames.sessionCookie]: {
    type: 'apiKey',
    in: 'cookie',
    name: 'better-auth.session_token',
    description:
      'The session cookie set by sign-in (`__Secure-better-auth.session_token` when the server runs on https). A cookie-authenticated POST, PUT, PATCH or DELETE must come from the app’s own origin or carry the x-csrf-token header (GET /v1/session/csrf-token).',
  },
  [securitySchemeNames.bearerToken]: {
    type: 'http',
    scheme: 'bearer',
    description:
      '`Authorization: Bearer <token>` with a session token (the `set-auth-token` header of the sign-in answer; same session as the cookie) or a JWT access token (GET /v1/auth/token; on the data routes of its organization only). An API key is accepted this way too.',
  },
  [securitySchemeNames.apiKey]: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description:
      'An API key of the organization (POST /v1/api-keys), also accepted as `Authorization: Bearer <key>`. It works on the data routes of its organization only, with its own permissions.',
  },
  [securitySchemeNames.twoFactorCookie]: {
    type: 'apiKey',
    in: 'cookie',
    name: 'better-auth.two_factor',
    description:
      'The short-lived cookie a sign-in with the password sets for a user with two-factor on, instead of a session: it lets the user send the second factor.',
  },
};

/**
 * Who may call an operation, from its route's declared access: public routes need nothing;
 * people's routes a session (cookie or bearer); an organization's data routes (a permission,
 * `area:verb`) also an API key, unless the route is for people only (`sessionOnly`).
 */
function securityFor(access: TRouteAccess | undefined, sessionOnly: boolean) {
  if (access === undefined || access === 'public' || access === 'operator') return [];
  if (access.includes(':') && !sessionOnly) return [...sessionSecurity, apiKey];
  return sessionSecurity;
}

/** The tags operations are grouped by, each described. */
const tags = [
  {
    name: 'auth',
    description:
      'Sign-up, sign-in, sessions, second factor, email verification and password reset, the account itself, and the organizations a person belongs to (better-auth under /v1/auth).',
  },
  { name: 'organizations', description: 'The active organization: its settings and deletion.' },
  { name: 'roles', description: 'The built-in and custom roles of the active organization.' },
  { name: 'api-keys', description: 'API keys of the active organization, for its data routes.' },
  { name: 'audit', description: "The active organization's audit log." },
  { name: 'webhooks', description: 'Webhook endpoints, their deliveries and their secrets.' },
  { name: 'notifications', description: 'Your notifications, their channels and the digest.' },
  { name: 'reports', description: 'Reports produced in the background, downloaded when ready.' },
  { name: 'files', description: 'Downloads through signed links.' },
  {
    name: 'admin',
    description: 'Platform superadmins: the platform audit log and impersonation.',
  },
  {
    name: 'operations',
    description: 'Health checks, job queues and dead letters: for operators and superadmins.',
  },
  { name: 'system', description: 'What this server is.' },
];

const problemSchema: Record<string, unknown> = z.toJSONSchema(ZProblem, {
  target: 'draft-2020-12',
});
delete problemSchema.$schema;
problemSchema.description =
  'RFC 9457 problem details: `code` is stable (match on it, not on `title` or `detail`), `detail` says what to fix, `requestId` is the x-request-id of the request; `errors` lists the offending fields of a validation_failed.';

const problemContent = {
  'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
};

const problemResponses = {
  ClientProblem: {
    description:
      'The request cannot be served as sent (RFC 9457 problem): `code` says why, `detail` what to fix, `errors` the offending fields of a 400.',
    content: problemContent,
  },
  ServerProblem: {
    description:
      'The server could not answer (RFC 9457 problem): quote `requestId` when reporting it. 503 while it is shutting down or not ready.',
    content: problemContent,
  },
};

/** A route as the route table lists it. */
export type TDocumentedRoute = {
  method: string;
  url: string;
  permission: TRouteAccess | undefined;
  sessionOnly: boolean;
};

export type TOpenApiExtra = {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown> };
};

type TOperation = {
  operationId?: string;
  parameters?: { in?: string; name?: string; description?: string }[];
  responses?: Record<string, { content?: Record<string, unknown> } & Record<string, unknown>>;
  security?: TSecurityRequirement[];
};

type TDocument = Record<string, unknown> & {
  paths?: Record<string, Record<string, TOperation>>;
  components?: Record<string, Record<string, unknown> | undefined>;
};

/** What a response means, for a route schema that declared its body but no description. */
const statusDescriptions: Record<string, string> = {
  '200': 'Done: the answer.',
  '201': 'Created: the new resource.',
  '202': 'Accepted: it goes on in the background; the answer says how to follow it.',
  '204': 'Done: no content.',
  '503': 'Not ready: the checks say which dependency fails.',
};

/** Fastify's wildcard (`*`) as a named path parameter: OpenAPI has no nameless one. */
const wildcardName = 'path';

/** A Fastify route URL as the document writes it: `:id` as `{id}`, the wildcard as `{path}`. */
export function documentPathOf(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, `{${wildcardName}}`);
}

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Adds what the route schemas leave out: better-auth's operations (`extra`), the security of
 * each operation from its route (every documented operation must have one), the problem+json
 * error responses, tags, servers, contact and licence; and drops the schemas nothing uses.
 */
export function finishOpenApiDocument(
  document: TDocument,
  options: { routes: TDocumentedRoute[]; extra?: TOpenApiExtra | undefined },
): TDocument {
  const paths: Record<string, Record<string, TOperation>> = {};
  // A copy: the operations are completed in place below.
  const merged = structuredClone({
    ...document.paths,
    ...(options.extra?.paths as typeof document.paths),
  });
  for (const [documented, operations] of Object.entries(merged)) {
    const path = documented.replace('{*}', `{${wildcardName}}`);
    paths[path] = operations;
    for (const parameter of Object.values(operations).flatMap((o) => o.parameters ?? [])) {
      if (parameter.in === 'path' && parameter.name === '*') {
        parameter.name = wildcardName;
        parameter.description = 'The rest of the path, slashes included.';
      }
    }
  }

  const routes = new Map(
    options.routes.map((route) => [
      `${route.method.toLowerCase()} ${documentPathOf(route.url)}`,
      route,
    ]),
  );
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!httpMethods.includes(method)) continue;
      const route = routes.get(`${method} ${path}`);
      if (!route)
        throw new Error(`The OpenAPI document has ${method} ${path}, which no route serves.`);
      // An operation that names its credential itself (a challenge) keeps it.
      operation.security ??= securityFor(route.permission, route.sessionOnly);
      const responses = (operation.responses ??= {});
      // Every error is problem+json (problem.ts), whatever media type a route schema declared.
      for (const [status, response] of Object.entries(responses)) {
        // @fastify/swagger's placeholder for a response schema without a description.
        if (response.description === 'Default Response') {
          response.description = statusDescriptions[status] ?? `HTTP ${status}.`;
        }
        const json = response.content?.['application/json'];
        if (Number(status) >= 400 && json) {
          response.content = { 'application/problem+json': json };
        }
      }
      responses['4XX'] ??= { $ref: '#/components/responses/ClientProblem' };
      responses['5XX'] ??= { $ref: '#/components/responses/ServerProblem' };
    }
  }

  const components = document.components ?? {};
  const finished: TDocument = {
    ...document,
    servers: [
      {
        url: '/',
        description:
          'The server that serves this document (/v1/openapi.json): paths are on its origin.',
      },
    ],
    info: {
      ...(document.info as Record<string, unknown>),
      contact: { name: 'Corebase maintainers (CONTRIBUTING.md of the source)' },
      license: { name: 'GNU Affero General Public License v3.0 only', identifier: 'AGPL-3.0-only' },
    },
    tags,
    paths,
    components: {
      ...components,
      schemas: {
        ...components.schemas,
        ...options.extra?.components.schemas,
        Problem: problemSchema,
      },
      responses: { ...components.responses, ...problemResponses },
      securitySchemes: { ...components.securitySchemes, ...securitySchemes },
    },
  };
  return withoutUnusedSchemas(withNullAsType(finished));
}

/** Keywords that describe a schema rather than constrain it: they stay beside an `anyOf`. */
const annotations = new Set([
  'title',
  'description',
  'default',
  'example',
  'examples',
  'readOnly',
  'writeOnly',
  'deprecated',
]);

/** Keywords whose value is data, not a schema. */
const dataKeywords = new Set(['example', 'examples', 'enum', 'const', 'default']);
/** Keywords whose value maps names to schemas. */
const nameMapKeywords = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);

/**
 * OpenAPI 3.0's `nullable: true` (better-auth writes it) in the 3.1 form: a 3.1 validator ignores
 * the keyword, so a `null` answer would fail `type: string`. `null` joins the `type` (and the
 * `enum`); a schema without a `type` (a `$ref`, an `allOf`) becomes `anyOf` itself or null.
 * Examples are values, not schemas, and are left as they are.
 */
export function nullableAsType(schema: Record<string, unknown>): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (dataKeywords.has(key)) converted[key] = value;
    else if (nameMapKeywords.has(key) && value !== null && typeof value === 'object') {
      // Keys here are names (a property may be called `example` or `nullable`).
      converted[key] = Object.fromEntries(
        Object.entries(value).map(([name, inner]) => [name, withNullAsType(inner)]),
      );
    } else converted[key] = withNullAsType(value);
  }
  const nullable = converted.nullable;
  if (typeof nullable !== 'boolean') return converted;
  delete converted.nullable;
  if (!nullable) return converted;
  const { type } = converted;
  if (typeof type === 'string' || Array.isArray(type)) {
    const types: unknown[] = [type].flat();
    converted.type = types.includes('null') ? types : [...types, 'null'];
    const allowed = Array.isArray(converted.enum) ? (converted.enum as unknown[]) : undefined;
    if (allowed && !allowed.includes(null)) converted.enum = [...allowed, null];
    return converted;
  }
  const described = Object.entries(converted).filter(([key]) => annotations.has(key));
  const constraints = Object.entries(converted).filter(([key]) => !annotations.has(key));
  return {
    ...Object.fromEntries(described),
    anyOf: [Object.fromEntries(constraints), { type: 'null' }],
  };
}

/** {@link nullableAsType} applied to every schema in `value`, at any depth. */
function withNullAsType<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withNullAsType) as T;
  if (value === null || typeof value !== 'object') return value;
  return nullableAsType(value as Record<string, unknown>) as T;
}

/** Drops the component schemas no operation reaches (better-auth documents all its models). */
function withoutUnusedSchemas(document: TDocument): TDocument {
  const schemas = document.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      const name =
        key === '$ref' && typeof inner === 'string'
          ? /^#\/components\/schemas\/(.+)$/.exec(inner)?.[1]
          : undefined;
      if (name !== undefined && !used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      }
      visit(inner);
    }
  };
  visit({ ...document, components: { ...document.components, schemas: undefined } });
  return {
    ...document,
    components: {
      ...document.components,
      schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))),
    },
  };
}
