import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRouteInfo } from '#server/platform/http/app';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, personaNames, type TPersona, type TWorld } from '#test/personas';
import { sampleOf } from '#test/request-samples';

type TExpected = 'allowed' | 'denied' | 'not_found';

const isPermission = (access: string | undefined) => !!access && access.includes(':');

/** What a persona may do on a route, from the route's declaration alone. */
function expectedAccess(route: TRouteInfo, persona: TPersona, refersToOrgA: boolean): TExpected {
  const access = route.permission;
  if (access === 'public' || access === 'operator') return 'allowed';
  // Without a session or the route's own credential (none of the personas has a challenge).
  if (persona.name === 'anonymous') return 'denied';
  if (access === 'challenge') return 'allowed';
  if (access === 'authenticated') return 'allowed';
  if (access === 'superadmin') return persona.name === 'superadmin' ? 'allowed' : 'denied';
  // A permission: granted by the role in the persona's active organization...
  if (!persona.permissions.has(access as never)) return 'denied';
  // ...and only there: organization A's ids, seen from organization B, do not exist.
  return persona.name === 'otherOrgOwner' && refersToOrgA ? 'not_found' : 'allowed';
}

/** A request for a route, built from its schemas; org-scoped routes point at organization A. */
function requestFor(route: TRouteInfo, world: TWorld, probeRoleId: string, fileLink: string) {
  let refersToOrgA = false;
  // A download link's signature is its credential: a genuine one, for a file that is not there.
  if (route.url === '/v1/files/*') return { url: fileLink, payload: undefined, refersToOrgA };
  const scoped = isPermission(route.permission);
  const overrides = {
    // Where better-auth redirects to: a path of the app (other values are refused with a 400).
    callbackURL: () => '/probe',
    redirectTo: () => '/probe',
    // A public address as a literal (no DNS here), a filter of no types, and no page cursor.
    url: () => 'https://93.184.215.14/probe',
    eventTypes: () => [],
    cursor: () => undefined,
    ...(scoped
      ? {
          organizationId: () => {
            refersToOrgA = true;
            return world.orgA;
          },
          organizationSlug: () => {
            refersToOrgA = true;
            return world.slugA;
          },
        }
      : {}),
  };
  let url = route.url.replace(/\*$/, 'matrix-probe').replace(/:([A-Za-z]+)/g, (_, name) => {
    // A real id of organization A where the route names one of its own records.
    if (scoped && name === 'id') {
      refersToOrgA = true;
      return probeRoleId;
    }
    return '00000000-0000-7000-8000-000000000000';
  });
  const query = sampleOf(route.schemas.querystring, overrides) as
    Record<string, unknown> | undefined;
  if (query && typeof query === 'object') {
    const search = new URLSearchParams(
      Object.entries(query).flatMap(([k, v]): [string, string][] =>
        v === undefined || typeof v === 'object'
          ? []
          : [[k, String(v as string | number | boolean)]],
      ),
    ).toString();
    if (search) url += `?${search}`;
  }
  const payload =
    route.method === 'GET' ? undefined : (sampleOf(route.schemas.body, overrides) as object);
  return { url, payload, refersToOrgA };
}

describe.each(testBackends())('authorization matrix on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let probeRoleId: string;
  let fileLink: string;
  /** Callers for API clients: API keys and a JWT access token. */
  const keys: {
    name: string;
    headers: Record<string, string>;
    permissions: ReadonlySet<string>;
  }[] = [];

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: {
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
        RATE_LIMIT_ACCOUNT_MAX: '100000',
      },
    });
    world = await buildWorld(t, `matrix-${backend}`);
    // A record of organization A that routes with an :id may change or delete: nobody holds it.
    const probe = await t.services.tenancy.withTenant(world.orgA, (tx) =>
      t.services.roles.create(
        tx,
        world.orgA,
        { userId: world.personas.owner.userId!, permissions: world.personas.owner.permissions },
        { name: 'matrix-probe', permissions: [] },
      ),
    );
    probeRoleId = probe.id!;
    const signed = t.services.fileSigner.sign('reports/matrix-probe.csv', {
      expiresInSeconds: 3_600,
      fileName: 'probe.csv',
    });
    fileLink = new URL(signed.url).pathname + new URL(signed.url).search;
    // API keys of organization A: one with all of its owner's permissions, one with one scope.
    for (const [name, permissions] of [
      ['all', [...world.personas.owner.permissions]],
      ['read', ['organization:read']],
    ] as const) {
      const { key } = await t.services.tenancy.withTenant(world.orgA, (tx) =>
        t.services.apiKeys.create(
          tx,
          world.orgA,
          { userId: world.personas.owner.userId!, permissions: world.personas.owner.permissions },
          { name: `matrix ${name}`, permissions: [...permissions] },
        ),
      );
      keys.push({
        name: `API key "${name}"`,
        headers: name === 'all' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key },
        permissions: new Set(permissions),
      });
    }
    // A JWT access token of the admin: the admin's permissions, on data routes only.
    const minted = await t.app.inject({
      url: '/v1/auth/token',
      headers: world.personas.admin.headers,
    });
    keys.push({
      name: 'JWT of the admin',
      headers: { authorization: `Bearer ${minted.json<{ token: string }>().token}` },
      permissions: world.personas.admin.permissions,
    });
  });
  afterAll(() => t?.close());

  /**
   * A new session for the persona, acting in its usual organization: a route may sign out or
   * revoke sessions, and the next route must not inherit that.
   */
  const freshHeaders = async (persona: TPersona): Promise<Record<string, string>> => {
    if (!persona.userId) return {};
    const context = await t.services.auth.$context;
    const activeOrganizationId =
      persona.name === 'otherOrgOwner' ? world.orgB : persona.roleInOrgA ? world.orgA : null;
    const session = await context.internalAdapter.createSession(persona.userId, false, {
      activeOrganizationId,
    });
    return { authorization: `Bearer ${session.token}` };
  };

  it('every route answers every persona as its declaration says, better-auth’s included', async () => {
    const routes = t.app.routeTable().filter((r) => r.method !== 'HEAD' && r.url !== '*');
    // Not vacuous: the table has each kind of declaration, better-auth's endpoints among them.
    for (const access of [
      'public',
      'authenticated',
      'challenge',
      'superadmin',
      'audit:read',
      'members:manage',
    ]) {
      expect(
        routes.some((r) => r.permission === access),
        access,
      ).toBe(true);
    }
    expect(routes.filter((r) => r.url.startsWith('/v1/auth/')).length).toBeGreaterThan(40);
    expect(routes.some((r) => r.url.includes(':id'))).toBe(true);

    // The cross-organization persona goes first: an allowed persona may delete the probe record.
    const order = ['otherOrgOwner', ...personaNames.filter((n) => n !== 'otherOrgOwner')] as const;
    const mismatches: string[] = [];
    const outcomes = { allowed: 0, denied: 0, not_found: 0 };
    for (const route of routes) {
      for (const name of order) {
        const persona = world.personas[name];
        const { url, payload, refersToOrgA } = requestFor(route, world, probeRoleId, fileLink);
        const response = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers: await freshHeaders(persona),
          ...(payload !== undefined ? { payload } : {}),
        });
        const status = response.statusCode;
        const outcome: TExpected =
          status === 401 || status === 403 ? 'denied' : status === 404 ? 'not_found' : 'allowed';
        const expected = expectedAccess(route, persona, refersToOrgA);
        // "Allowed" is any answer but 401/403 (a 404 for an id that does not exist included).
        const matches = expected === 'allowed' ? outcome !== 'denied' : outcome === expected;
        if (!matches) {
          mismatches.push(
            `${route.method} ${route.url} as ${name}: ${status} ${response.body.slice(0, 160)}, expected ${expected}`,
          );
        }
        expect(status, `${route.method} ${url} as ${name}: ${response.body}`).toBeLessThan(500);
        outcomes[outcome]++;
        if (outcome !== 'allowed' && String(response.headers['content-type']).includes('json')) {
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
        if (outcome === 'denied') {
          expect(response.json()).toMatchObject({
            code: status === 401 ? 'unauthenticated' : 'forbidden',
          });
        }
      }
    }
    // API keys and JWTs: only routes that need a permission they have, never a route for people.
    for (const route of routes) {
      for (const { name, headers, permissions } of keys) {
        const { url, payload } = requestFor(route, world, probeRoleId, fileLink);
        const response = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers,
          ...(payload !== undefined ? { payload } : {}),
        });
        const access = route.permission ?? '';
        const expected: TExpected =
          access === 'public' || access === 'operator'
            ? 'allowed'
            : isPermission(access) && !route.sessionOnly && permissions.has(access)
              ? 'allowed'
              : 'denied';
        const denied = response.statusCode === 401 || response.statusCode === 403;
        if (denied !== (expected === 'denied')) {
          mismatches.push(
            `${route.method} ${route.url} with ${name}: ${response.statusCode} ${response.body.slice(0, 160)}, expected ${expected}`,
          );
        }
        expect(response.statusCode, `${route.method} ${url} with key ${name}`).toBeLessThan(500);
        if (denied) outcomes.denied++;
      }
    }
    expect(mismatches).toEqual([]);
    expect(outcomes.denied).toBeGreaterThan(100);
    expect(outcomes.not_found).toBeGreaterThan(10);
  }, 120_000);
});
