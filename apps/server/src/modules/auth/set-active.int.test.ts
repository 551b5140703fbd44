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

  it('still switches to an organization the caller is a member of', async () => {
    const other = await asOwner('POST', '/v1/auth/organization/create', {
      name: 'Second',
      slug: `second-${backend}`,
    });
    expect(other.statusCode, other.body).toBe(200);
    const secondId = other.json<{ id: string }>().id;
    const switched = await asOwner('POST', '/v1/auth/organization/set-active', {
      organizationId: secondId,
    });
    expect(switched.statusCode, switched.body).toBe(200);
    expect(await activeOrganization()).toBe(secondId);
    const back = await asOwner('POST', '/v1/auth/organization/set-active', {
      organizationSlug: world.slugA,
    });
    expect(back.statusCode, back.body).toBe(200);
    expect(await activeOrganization()).toBe(world.orgA);
  });
});
