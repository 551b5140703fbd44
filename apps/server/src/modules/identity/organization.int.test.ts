import { ZOrganization } from '@corebase/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';

describe.each(testBackends())('deleting an organization on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  const slug = `org-a-deletion-${backend}`;

  beforeAll(async () => {
    t = await createTestApp(backend, { env: { RATE_LIMIT_MAX: '100000' } });
    world = await buildWorld(t, `deletion-${backend}`);
  });
  afterAll(() => t?.close());

  const as = (
    persona: keyof TWorld['personas'],
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
  ) =>
    t.app.inject({
      method,
      url,
      headers: world.personas[persona].headers,
      ...(payload ? { payload } : {}),
    });

  it('needs the owner and the slug typed to confirm; then freezes the organization for its members', async () => {
    expect(
      (await as('admin', 'POST', '/v1/organization/deletion', { confirm: slug })).statusCode,
    ).toBe(403);
    const wrong = await as('owner', 'POST', '/v1/organization/deletion', { confirm: 'org-a' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ in: 'body', field: 'confirm' }],
    });
    expect(
      ZOrganization.parse((await as('owner', 'GET', '/v1/organization')).json()).deletedAt,
    ).toBeNull();

    const scheduled = await as('owner', 'POST', '/v1/organization/deletion', { confirm: slug });
    expect(scheduled.statusCode).toBe(202);
    const org = ZOrganization.parse(scheduled.json());
    expect(Date.parse(org.purgeAfter!) - Date.parse(org.deletedAt!)).toBe(7 * 86_400_000);

    // Frozen: members are refused with the reason; even the owner may only restore.
    const read = await as('member', 'GET', '/v1/organization');
    expect(read.statusCode).toBe(403);
    expect(read.json<{ detail: string }>().detail).toContain('scheduled for deletion');
    expect((await as('owner', 'GET', '/v1/audit-log')).statusCode).toBe(403);
    expect(
      (await as('owner', 'POST', '/v1/organization/deletion', { confirm: slug })).statusCode,
    ).toBe(409);
  });

  it('the owner restores it during the grace period, and the history shows both steps', async () => {
    const restored = await as('owner', 'DELETE', '/v1/organization/deletion');
    expect(restored.statusCode).toBe(200);
    expect(ZOrganization.parse(restored.json())).toMatchObject({
      deletedAt: null,
      purgeAfter: null,
    });
    expect((await as('member', 'GET', '/v1/organization')).statusCode).toBe(200);
    const log = await as('owner', 'GET', '/v1/audit-log?limit=100');
    const actions = log.json<{ data: { action: string }[] }>().data.map((e) => e.action);
    expect(actions.slice(0, 2)).toEqual([
      'organization.restored',
      'organization.deletion_scheduled',
    ]);
    expect((await as('owner', 'DELETE', '/v1/organization/deletion')).statusCode).toBe(409);
  });

  it('better-auth’s immediate deletion is switched off', async () => {
    const response = await as('owner', 'POST', '/v1/auth/organization/delete', {
      organizationId: world.orgA,
    });
    expect(response.statusCode).toBe(404);
    expect((await as('owner', 'GET', '/v1/organization')).statusCode).toBe(200);
  });
});
