import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRouteInfo } from '#server/platform/http/app';
import { jsonLimits } from '#server/platform/http/input-guards';
import { createTestApp, type TTestApp } from '#test/app';
import { buildWorld, type TWorld } from '#test/personas';
import { sampleOf } from '#test/request-samples';

type TJson = null | boolean | number | string | TJson[] | { [key: string]: TJson };
type TPath = (string | number)[];

/** Every path to a string inside a value. */
function stringPaths(value: unknown, path: TPath = []): TPath[] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    stringPaths(item, [...path, Array.isArray(value) ? Number(key) : key]),
  );
}

function withValueAt(value: unknown, path: TPath, replace: (old: unknown) => unknown): unknown {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path as [string | number, ...TPath];
  const copy = (
    Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }
  ) as Record<string | number, unknown>;
  copy[head] = withValueAt(copy[head], rest, replace);
  return copy;
}

/** The same shape with every value of the wrong type. */
function wrongTypes(value: unknown): TJson {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not a number';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return { 0: 'not an array' };
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrongTypes(v)]));
  }
  return ['not null'];
}

type THostile = {
  name: string;
  url: string;
  /** A JSON value, or raw text or bytes (sent as application/json). */
  payload?: unknown;
  raw?: string | Buffer;
};

const marker = 'HOSTILE-MARKER';

/** What a person could send a route instead of a sane request. */
function hostileRequests(route: TRouteInfo, url: string, body: unknown, query: object): THostile[] {
  const out: THostile[] = [];
  const withQuery = (search: Record<string, string>) => {
    const text = Object.entries(search)
      .map(([k, v]) => `${encodeURIComponent(k)}=${v}`)
      .join('&');
    return text ? `${url}?${text}` : url;
  };
  const saneQuery = Object.fromEntries(
    Object.entries(query).flatMap(([k, v]): [string, string][] =>
      v === undefined || typeof v === 'object'
        ? []
        : [[k, encodeURIComponent(String(v as string | number))]],
    ),
  );
  const saneUrl = withQuery(saneQuery);
  // The query: U+0000 and a lone surrogate in each parameter, wrong types, an unknown one.
  for (const name of Object.keys(saneQuery)) {
    out.push({ name: `NUL in query ${name}`, url: withQuery({ ...saneQuery, [name]: '%00' }) });
    out.push({
      name: `surrogate in query ${name}`,
      url: withQuery({ ...saneQuery, [name]: '%ED%A0%80' }),
    });
    out.push({
      name: `wrong type in query ${name}`,
      url: withQuery({ ...saneQuery, [name]: '[]' }),
    });
  }
  out.push({
    name: 'NUL in an unknown query parameter',
    url: withQuery({ ...saneQuery, x: '%00' }),
  });
  // Each path parameter (a wildcard too): U+0000, escapes that are not UTF-8, not an id.
  const segments = route.url.split('/');
  const params = segments.filter((segment) => segment.startsWith(':') || segment === '*');
  for (const param of params) {
    for (const value of ['%00', '%ED%A0%80', '%FF', 'not-an-id', '%F0%9F%A7%AE']) {
      const hostileUrl = url
        .split('/')
        .map((segment, i) => (segments[i] === param ? value : segment))
        .join('/');
      out.push({ name: `${value} in path ${param}`, url: hostileUrl });
    }
  }
  if (route.method === 'GET' || route.method === 'HEAD') return out;

  // The body: U+0000 in each string field, a lone surrogate, wrong types, huge and deep values.
  const base = body && typeof body === 'object' ? body : {};
  for (const path of stringPaths(base).slice(0, 8)) {
    const field = path.join('.');
    out.push({
      name: `NUL in body ${field}`,
      url: saneUrl,
      payload: withValueAt(base, path, (old) => `${String(old)}\u0000`),
    });
    out.push({
      name: `surrogate in body ${field}`,
      url: saneUrl,
      raw: JSON.stringify(withValueAt(base, path, () => marker)).replace(marker, '\\ud800'),
    });
    const [head, tail] = JSON.stringify(withValueAt(base, path, () => marker)).split(marker) as [
      string,
      string,
    ];
    out.push({
      name: `invalid UTF-8 in body ${field}`,
      url: saneUrl,
      raw: Buffer.concat([
        Buffer.from(head),
        Buffer.from([0xed, 0xa0, 0x80, 0xff]),
        Buffer.from(tail),
      ]),
    });
  }
  out.push({ name: 'wrong types in the body', url: saneUrl, payload: wrongTypes(base) });
  for (const text of ['null', '[]', '"text"', '42', '{"__proto__":{"admin":true}}']) {
    out.push({ name: `body ${text}`, url: saneUrl, raw: text });
  }
  // Just past the front door's limit (jsonLimits.items): a longer one costs the test, not the server.
  for (const key of [...Object.keys(base).slice(0, 2), 'extra']) {
    out.push({
      name: `huge array in ${key}`,
      url: saneUrl,
      raw: JSON.stringify({ ...base, [key]: new Array(jsonLimits.items + 1).fill('x') }),
    });
  }
  out.push({
    name: 'deep nesting',
    url: saneUrl,
    raw: JSON.stringify({ ...base, extra: 1 }).replace(
      '"extra":1',
      `"extra":${'['.repeat(200)}${']'.repeat(200)}`,
    ),
  });
  out.push({
    name: 'a huge string',
    url: saneUrl,
    payload: { ...base, extra: 'x'.repeat(200_000) },
  });
  out.push({
    name: 'invalid UTF-8 body',
    url: saneUrl,
    raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
  });
  return out;
}

describe('hostile input on every route', () => {
  let t: TTestApp;
  let world: TWorld;

  beforeAll(async () => {
    t = await createTestApp('pglite', {
      env: {
        RATE_LIMIT_MAX: '1000000',
        RATE_LIMIT_AUTH_MAX: '1000000',
        RATE_LIMIT_ACCOUNT_MAX: '1000000',
        RATE_LIMIT_API_KEY_MAX: '1000000',
      },
    });
    world = await buildWorld(t, 'hostile');
  });
  afterAll(() => t?.close());

  /** A new session of organization A's owner: a route may sign out or revoke sessions. */
  const ownerHeaders = async () => {
    const context = await t.services.auth.$context;
    const session = await context.internalAdapter.createSession(
      world.personas.owner.userId!,
      false,
      { activeOrganizationId: world.orgA },
    );
    return { authorization: `Bearer ${session.token}` };
  };

  it('never answers 5xx, and answers every 4xx with problem+json, ours and better-auth’s', async () => {
    const routes = t.app
      .routeTable()
      .filter((r) => r.method !== 'HEAD' && r.url !== '*' && !r.url.startsWith('/docs'));
    expect(routes.filter((r) => r.url.startsWith('/v1/auth/')).length).toBeGreaterThan(40);
    const overrides = {
      callbackURL: () => '/probe',
      redirectTo: () => '/probe',
      url: () => 'https://93.184.215.14/probe',
      organizationId: () => world.orgA,
      organizationSlug: () => world.slugA,
      cursor: () => undefined,
    };
    const failures: string[] = [];
    let sent = 0;
    for (const route of routes) {
      const url = route.url
        .replace(/\*$/, 'hostile-probe')
        .replace(/:(\w+)/g, '00000000-0000-7000-8000-000000000000');
      const body = sampleOf(route.schemas.body, overrides);
      const query = sampleOf(route.schemas.querystring, overrides) ?? {};
      const headers = await ownerHeaders();
      for (const request of hostileRequests(route, url, body, query)) {
        const response = await t.app.inject({
          method: route.method as 'POST',
          url: request.url,
          headers: {
            ...headers,
            ...(request.raw !== undefined || request.payload !== undefined
              ? { 'content-type': 'application/json' }
              : {}),
          },
          ...(request.raw !== undefined
            ? { payload: request.raw }
            : request.payload !== undefined
              ? { payload: JSON.stringify(request.payload) }
              : {}),
        });
        sent++;
        const type = String(response.headers['content-type'] ?? '');
        if (response.statusCode >= 500) {
          failures.push(`${route.method} ${route.url} ${request.name}: ${response.statusCode}`);
        } else if (response.statusCode >= 400 && !type.startsWith('application/problem+json')) {
          failures.push(
            `${route.method} ${route.url} ${request.name}: ${response.statusCode} ${type}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1_000);
  }, 120_000);
});
