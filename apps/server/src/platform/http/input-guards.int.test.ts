import { ZProblem, type TFieldError } from '@corebase/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLimits } from '#server/platform/http/input-guards';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { signUpVerified, type TSignedIn } from '#test/personas';

function problemOf(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}) {
  expect(response.headers['content-type'], response.body).toMatch(/^application\/problem\+json/);
  return ZProblem.parse(JSON.parse(response.body));
}

/** Stands for the hostile value in a body; replaced in the raw JSON text (or bytes). */
const marker = 'HOSTILE-VALUE';

type TCase = {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  /** The body, with `marker` inside the field under test (none for a GET). */
  body?: Record<string, unknown>;
  /** The field the hostile value goes in (a query parameter for a GET). */
  field: string;
  signedIn: boolean;
};

const cases: TCase[] = [
  {
    name: 'sign-in',
    method: 'POST',
    url: '/v1/auth/sign-in/email',
    body: { email: `ada${marker}@example.com`, password: 'a long enough password' },
    field: 'email',
    signedIn: false,
  },
  {
    name: 'create an API key',
    method: 'POST',
    url: '/v1/api-keys',
    body: { name: `key ${marker}`, permissions: ['organization:read'] },
    field: 'name',
    signedIn: true,
  },
  {
    name: 'create a role',
    method: 'POST',
    url: '/v1/roles',
    body: { name: 'probe-role', description: `role ${marker}`, permissions: [] },
    field: 'description',
    signedIn: true,
  },
  {
    name: 'create a webhook',
    method: 'POST',
    url: '/v1/webhooks',
    body: { url: 'https://93.184.215.14/probe', description: `hook ${marker}` },
    field: 'description',
    signedIn: true,
  },
  {
    name: 'update the user',
    method: 'POST',
    url: '/v1/auth/update-user',
    body: { name: `Ada ${marker}` },
    field: 'name',
    signedIn: true,
  },
  {
    name: 'create an organization',
    method: 'POST',
    url: '/v1/auth/organization/create',
    body: { name: `Org ${marker}`, slug: 'probe-org' },
    field: 'name',
    signedIn: true,
  },
  {
    name: 'check a slug',
    method: 'POST',
    url: '/v1/auth/organization/check-slug',
    body: { slug: `slug${marker}` },
    field: 'slug',
    signedIn: true,
  },
  {
    name: 'confirm deleting the user',
    method: 'GET',
    url: `/v1/auth/delete-user/callback?token=${marker}`,
    field: 'token',
    signedIn: false,
  },
];

/** Hostile values as they travel: JSON escapes in a body, percent-escapes in a URL. */
const hostile = [
  { name: 'U+0000', json: '\\u0000', url: '%00', reason: /NUL/ },
  { name: 'a lone surrogate', json: '\\ud800', url: '%ED%A0%80', reason: /surrogate|UTF-8/ },
] as const;

/** Paths whose parameters reach a library or the database: ours and better-auth's. */
const paramPaths = [
  { method: 'GET', url: '/v1/auth/reset-password/%00', field: 'token' },
  { method: 'GET', url: '/v1/auth/callback/%00', field: 'id' },
  { method: 'PATCH', url: '/v1/roles/%00', field: 'id' },
  { method: 'DELETE', url: '/v1/api-keys/%00', field: 'id' },
  { method: 'GET', url: '/v1/webhooks/%00', field: 'id' },
] as const;

describe.each(testBackends())('input hygiene on %s', (backend) => {
  let t: TTestApp;
  let ada: TSignedIn;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    ada = await signUpVerified(t, {
      name: 'Ada',
      email: `ada-input-${backend}@example.com`,
      password: 'ada password 1234',
    });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/organization/create',
      headers: ada.headers,
      payload: { name: 'Input Org', slug: `input-org-${backend}` },
    });
    expect(created.statusCode, created.body).toBe(200);
    // Not vacuous: the snapshot sees the rows (RLS does not hide them from it).
    expect(await snapshot()).toMatch(/"users":"?1"?,.*"orgs":"?1"?/);
  });
  afterAll(() => t?.close());

  /** What a refused request must leave as it was (its audit entry included). */
  const snapshot = async () => {
    const counts = await t.db.database.transaction((tx) =>
      tx.execute(sql`
        select (select count(*) from audit_log) as audit, (select count(*) from users) as users,
          (select count(*) from api_keys) as keys, (select count(*) from organization_roles) as roles,
          (select count(*) from webhook_endpoints) as hooks,
          (select count(*) from organizations) as orgs,
          (select count(*) from sign_in_failures) as failures,
          (select string_agg(name, ',' order by id) from users) as names`),
    );
    // node-postgres answers { rows }, PGlite's driver the rows themselves.
    const rows = (counts as { rows?: unknown[] }).rows ?? (counts as unknown[]);
    return JSON.stringify(rows);
  };

  const expectRefused = (
    response: { statusCode: number; headers: Record<string, unknown>; body: string },
    part: TFieldError['in'],
    field: string,
    reason?: RegExp,
  ) => {
    expect(response.statusCode, response.body).toBe(400);
    const problem = problemOf(response);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.[0]).toMatchObject({ in: part, field });
    if (reason) expect(problem.errors?.[0]?.message).toMatch(reason);
  };

  for (const endpoint of cases) {
    const headers = () => (endpoint.signedIn ? ada.headers : { origin: 'http://localhost:3000' });
    const part = endpoint.method === 'GET' ? 'querystring' : 'body';

    it.each(hostile)(
      `${endpoint.name}: $name is a 400 naming the field, and nothing is written`,
      async (value) => {
        const before = await snapshot();
        const response = await t.app.inject({
          method: endpoint.method,
          url: endpoint.url.replace(marker, value.url),
          headers: { ...headers(), 'content-type': 'application/json' },
          ...(endpoint.body
            ? { payload: JSON.stringify(endpoint.body).replace(marker, value.json) }
            : {}),
        });
        expectRefused(response, part, endpoint.field, value.reason);
        expect(await snapshot()).toBe(before);
      },
    );

    it(`${endpoint.name}: U+0000 in a query parameter is a 400 naming it`, async () => {
      const before = await snapshot();
      const url = endpoint.url.replace(marker, 'x');
      const response = await t.app.inject({
        method: endpoint.method,
        url: `${url}${url.includes('?') ? '&' : '?'}x=%00`,
        headers: headers(),
        ...(endpoint.body
          ? { payload: JSON.parse(JSON.stringify(endpoint.body).replace(marker, 'x')) as object }
          : {}),
      });
      expectRefused(response, 'querystring', 'x', /NUL/);
      expect(await snapshot()).toBe(before);
    });

    if (endpoint.body) {
      it(`${endpoint.name}: invalid UTF-8 in the body is a 400 naming the field`, async () => {
        const before = await snapshot();
        const [head, tail] = JSON.stringify(endpoint.body).split(marker) as [string, string];
        const response = await t.app.inject({
          method: endpoint.method,
          url: endpoint.url,
          headers: { ...headers(), 'content-type': 'application/json' },
          payload: Buffer.concat([
            Buffer.from(head),
            Buffer.from([0xc3, 0x28, 0xff]),
            Buffer.from(tail),
          ]),
        });
        expectRefused(response, 'body', endpoint.field, /UTF-8/);
        expect(await snapshot()).toBe(before);
      });
    }
  }

  it.each(paramPaths)('$method $url is a 400 naming the path parameter', async (route) => {
    const before = await snapshot();
    const response = await t.app.inject({
      method: route.method,
      url: route.url,
      headers: ada.headers,
      ...(route.method === 'PATCH' ? { payload: { description: 'x' } } : {}),
    });
    expectRefused(response, 'params', route.field);
    expect(await snapshot()).toBe(before);
  });

  it('an escape that is not UTF-8 is a 400: naming the query parameter, or the path', async () => {
    const response = await t.app.inject({
      url: '/v1/auth/delete-user/callback?token=%ED%A0%80',
    });
    expectRefused(response, 'querystring', 'token', /UTF-8/);
    // In a path the router refuses it before any route matches: problem+json all the same.
    for (const [url, status, code] of [
      ['/v1/auth/reset-password/%ED%A0%80', 400, 'bad_request'],
      ['/v1/roles/%FF', 400, 'bad_request'],
      [`/v1/roles/${'a'.repeat(200)}`, 414, 'uri_too_long'],
    ] as const) {
      const refused = await t.app.inject({ url, headers: ada.headers });
      expect(refused.statusCode, url).toBe(status);
      expect(problemOf(refused)).toMatchObject({ code, instance: url });
      expect(refused.headers['x-request-id']).toBeTruthy();
    }
  });

  it('a date or a cursor outside 1970–9999 is a 400 naming it, not a database error', async () => {
    for (const query of ['from=0000-01-01T00:00:00Z', 'to=9999-12-31T23:59:59-23:59']) {
      const response = await t.app.inject({ url: `/v1/audit-log?${query}`, headers: ada.headers });
      expectRefused(response, 'querystring', query.split('=')[0]!, /1970 and 9999/);
    }
    // A forged cursor: a time no row has, in a shape encodeCursor writes.
    const id = '00000000-0000-0000-0000-000000000000';
    for (const time of ['0000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']) {
      const cursor = Buffer.from(`${time}|${id}`).toString('base64url');
      for (const list of ['/v1/audit-log', '/v1/notifications', '/v1/reports']) {
        const response = await t.app.inject({
          url: `${list}?cursor=${cursor}`,
          headers: ada.headers,
        });
        expectRefused(response, 'querystring', 'cursor');
      }
    }
  });

  it('a validation problem lists a bounded number of errors, once, with their count', async () => {
    // 100 unknown event types (the most the schema takes): one issue each.
    const eventTypes = Array.from({ length: 100 }, (_, i) => `bogus.event${i}`);
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: ada.headers,
      payload: { url: 'https://93.184.215.14/probe', eventTypes },
    });
    expect(response.statusCode).toBe(400);
    const problem = problemOf(response);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors).toHaveLength(20);
    expect(problem.errorCount).toBe(100);
    expect(problem.errors?.[0]).toMatchObject({ in: 'body', field: 'eventTypes.0' });
    // The detail is a summary, not every issue again.
    expect(problem.detail).toMatch(/^body\.eventTypes\.0: .*; and 97 more$/);
    expect(problem.detail.length).toBeLessThan(1_000);

    // A request with thousands of bad items gets an answer the size of a few.
    const permissions = Array.from({ length: 9_000 }, (_, i) => `bogus:${i}`);
    const many = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: ada.headers,
      payload: { name: 'many', permissions },
    });
    expect(problemOf(many)).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(many.body.length).toBeLessThan(10_000);
  });

  it('a body past the JSON limits is refused before any route, naming where', async () => {
    const send = (payload: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in/email',
        headers: { origin: 'http://localhost:3000', 'content-type': 'application/json' },
        payload,
      });
    const before = await snapshot();
    const items = await send(
      JSON.stringify({ email: Array.from({ length: 100_000 }, () => 'a'), password: 'x' }),
    );
    expectRefused(items, 'body', 'email', /more than 10000 items/);

    const deep = await send(
      `{"email":${'['.repeat(jsonLimits.depth + 5)}1${']'.repeat(jsonLimits.depth + 5)}}`,
    );
    expectRefused(deep, 'body', `email${'.0'.repeat(jsonLimits.depth - 1)}`, /deeper than 32/);

    const members = await send(
      JSON.stringify(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, 1]))),
    );
    expectRefused(members, 'body', '', /more than 10000 members/);

    const key = await send('{"pass\\u0000word":"x","email":"ada@example.com"}');
    expectRefused(key, 'body', 'pass\ufffdword', /field name/);
    expect(await snapshot()).toBe(before);

    // Within the limits, Fastify's own answers are unchanged.
    expect(problemOf(await send('')).code).toBe('bad_request');
    expect(problemOf(await send('{"email":')).code).toBe('malformed_json');
    expect(problemOf(await send('{"__proto__":{"x":1}}')).code).toBe('malformed_json');
  });
});
