import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '#server/platform/db/columns';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';

describe.each(testBackends())('switching the active organization on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  const slugB = `org-b-set-active-${backend}`;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `set-active-${backend}`);
  });
  afterAll(() => t?.close());

  const asOwner = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: world.personas.owner.headers,
      ...(payload ? { payload } : {}),
    });
  const activeOrganization = async () => {
    const session = await asOwner('GET', '/v1/auth/get-session');
    return session.json<{ session: { activeOrganizationId: string | null } }>().session
      .activeOrganizationId;
  };

  it.each([
    ['an organization the caller is not a member of', () => ({ organizationId: world.orgB })],
    ['an organization that does not exist', () => ({ organizationId: newId() })],
    ['the slug of an organization the caller is not in', () => ({ organizationSlug: slugB })],
  ])('refused for %s, leaves the active organization as it was', async (_case, body) => {
    const chosen = await asOwner('POST', '/v1/auth/organization/set-active', {
      organizationId: world.orgA,
    });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(await activeOrganization()).toBe(world.orgA);
    const refused = await asOwner('POST', '/v1/auth/organization/set-active', body());
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.statusCode).toBeLessThan(500);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);

    expect(await activeOrganization()).toBe(world.orgA);
    const organization = await asOwner('GET', '/v1/organization');
    expect(organization.statusCode, organization.body).toBe(200);
    expect(organization.json<{ id: string }>().id).toBe(world.orgA);
  });

  it('is refused without clearing for a bearer-token session too, and unsetting on purpose still works', async () => {
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/email',
      headers: { origin: 'http://localhost:3000' },
      payload: {
        email: `owner-set-active-${backend}@example.com`,
        password: 'owner password 1234',
      },
    });
    expect(signIn.statusCode, signIn.body).toBe(200);
    const headers = { authorization: `Bearer ${String(signIn.headers['set-auth-token'])}` };
    const as = (url: string, payload?: object) =>
      t.app.inject({
        method: payload ? 'POST' : 'GET',
        url,
        headers,
        ...(payload ? { payload } : {}),
      });
    const chosen = await as('/v1/auth/organization/set-active', { organizationId: world.orgA });
    expect(chosen.statusCode, chosen.body).toBe(200);
    const refused = await as('/v1/auth/organization/set-active', { organizationId: world.orgB });
    expect(refused.statusCode, refused.body).toBe(404);
    const session = await as('/v1/auth/get-session');
    expect(
      session.json<{ session: { activeOrganizationId: string | null } }>().session
        .activeOrganizationId,
    ).toBe(world.orgA);

    // What set-active is for still works: switching by slug, and unsetting on purpose.
    const bySlug = await as('/v1/auth/organization/set-active', { organizationSlug: world.slugA });
    expect(bySlug.statusCode, bySlug.body).toBe(200);
    const unset = await as('/v1/auth/organization/set-active', { organizationId: null });
    expect(unset.statusCode, unset.body).toBe(200);
    const after = await as('/v1/auth/get-session');
    expect(
      after.json<{ session: { activeOrganizationId: string | null } }>().session
        .activeOrganizationId,
    ).toBeNull();
  });
});
