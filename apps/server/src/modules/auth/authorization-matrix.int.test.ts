import { rolePermissions, type TPermission } from '@corebase/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRouteInfo } from '#server/platform/http/app';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, personaNames, type TPersona, type TWorld } from '#test/personas';

/** What a persona may do on a route, from the route's declaration alone. */
function expectedAccess(route: TRouteInfo, persona: TPersona): 'allowed' | 'denied' {
  const access = route.permission;
  if (access === 'public' || access === 'operator') return 'allowed';
  if (persona.name === 'anonymous') return 'denied';
  if (access === 'authenticated') return 'allowed';
  if (access === 'superadmin') return persona.name === 'superadmin' ? 'allowed' : 'denied';
  // A permission: granted by the role in the persona's active organization.
  const role = persona.name === 'otherOrgOwner' ? 'owner' : persona.roleInOrgA;
  return role && rolePermissions[role].includes(access as TPermission) ? 'allowed' : 'denied';
}

/** A concrete URL for a route pattern: wildcards and params get harmless values. */
function concreteUrl(url: string): string {
  return url
    .replace(/\*$/, 'matrix-probe')
    .replace(/:([A-Za-z]+)/g, '00000000-0000-7000-8000-000000000000');
}

describe.each(testBackends())('authorization matrix on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;

  beforeAll(async () => {
    t = await createTestApp(backend, { env: { RATE_LIMIT_MAX: '100000' } });
    world = await buildWorld(t, `matrix-${backend}`);
  });
  afterAll(() => t?.close());

  it('every route answers every persona as its declaration says', async () => {
    const routes = t.app
      .routeTable()
      .filter((r) => r.method !== 'HEAD' && r.url !== '*')
      // better-auth's endpoints guard themselves; their matrix is in auth's own tests.
      .filter((r) => !r.url.startsWith('/v1/auth/'));
    expect(routes.some((r) => r.permission === 'audit:read')).toBe(true);
    expect(routes.some((r) => r.permission === 'superadmin')).toBe(true);

    const mismatches: string[] = [];
    let deniedCount = 0;
    for (const route of routes) {
      for (const name of personaNames) {
        const persona = world.personas[name];
        const response = await t.app.inject({
          method: route.method as 'GET',
          url: concreteUrl(route.url),
          headers: persona.headers,
        });
        const denied = response.statusCode === 401 || response.statusCode === 403;
        const outcome = denied ? 'denied' : 'allowed';
        const expected = expectedAccess(route, persona);
        if (outcome !== expected) {
          mismatches.push(
            `${route.method} ${route.url} as ${name}: ${response.statusCode}, expected ${expected}`,
          );
        }
        if (denied) {
          deniedCount++;
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(response.json()).toMatchObject({
            code: response.statusCode === 401 ? 'unauthenticated' : 'forbidden',
          });
        }
      }
    }
    expect(mismatches).toEqual([]);
    // Not vacuous: the protected routes did turn personas away (anonymous and viewer at least).
    expect(deniedCount).toBeGreaterThanOrEqual(8);
  });
});
