import { ZAuditPage } from '@corebase/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';

describe.each(testBackends())('GET /v1/audit-log on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;

  beforeAll(async () => {
    t = await createTestApp(backend, { env: { RATE_LIMIT_MAX: '100000' } });
    world = await buildWorld(t, `audit-${backend}`);
    // Five more entries in org A, one in org B, two platform entries.
    const { tenancy, audit } = t.services;
    await tenancy.withTenant(world.orgA, async (tx) => {
      for (let i = 0; i < 5; i++) {
        await audit.record(tx, {
          orgId: world.orgA,
          actor: { type: 'user', id: world.personas.admin.userId },
          action: 'member.role_changed',
          target: { type: 'member', id: `m${i}` },
        });
      }
      await audit.record(tx, {
        orgId: null,
        actor: { type: 'system' },
        action: 'platform.sign_in_failed',
      });
    });
    await tenancy.withTenant(world.orgB, async (tx) => {
      await audit.record(tx, {
        orgId: world.orgB,
        actor: { type: 'system' },
        action: 'member.role_changed',
      });
      await audit.record(tx, {
        orgId: null,
        actor: { type: 'system' },
        action: 'platform.sign_in_failed',
      });
    });
  });
  afterAll(() => t?.close());

  const get = (url: string, persona: keyof TWorld['personas']) =>
    t.app.inject({ url, headers: world.personas[persona].headers });

  it('lists the active organization’s entries, newest first, and nothing of other organizations', async () => {
    const response = await get('/v1/audit-log', 'owner');
    expect(response.statusCode).toBe(200);
    const page = ZAuditPage.parse(response.json());
    expect(page.data.map((e) => e.action)).toEqual([
      ...Array<string>(5).fill('member.role_changed'),
      'organization.created',
    ]);
    expect(page.data.every((e) => e.orgId === world.orgA)).toBe(true);
    expect(page.nextCursor).toBeNull();

    const other = ZAuditPage.parse((await get('/v1/audit-log', 'otherOrgOwner')).json());
    expect(other.data.map((e) => e.orgId)).toEqual([world.orgB, world.orgB]);
  });

  it('pages with a cursor and filters by actor, action and time', async () => {
    const first = ZAuditPage.parse((await get('/v1/audit-log?limit=4', 'admin')).json());
    expect(first.data).toHaveLength(4);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = ZAuditPage.parse(
      (await get(`/v1/audit-log?limit=4&cursor=${first.nextCursor}`, 'admin')).json(),
    );
    expect(second.data).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.data, ...second.data].map((e) => e.id);
    expect(new Set(ids).size).toBe(6);

    const byActor = ZAuditPage.parse(
      (await get(`/v1/audit-log?actor=${world.personas.admin.userId}`, 'admin')).json(),
    );
    expect(byActor.data).toHaveLength(5);
    const byAction = ZAuditPage.parse(
      (await get('/v1/audit-log?action=organization.created', 'admin')).json(),
    );
    expect(byAction.data.map((e) => e.action)).toEqual(['organization.created']);
    const future = new Date(Date.now() + 60_000).toISOString();
    const none = ZAuditPage.parse(
      (await get(`/v1/audit-log?from=${encodeURIComponent(future)}`, 'admin')).json(),
    );
    expect(none.data).toEqual([]);
  });

  it('refuses bad queries with 400 naming the field', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['actor=not-a-uuid', 'actor'],
      ['from=yesterday', 'from'],
      ['cursor=garbage', 'cursor'],
      [
        `from=${encodeURIComponent('2026-02-01T00:00:00Z')}&to=${encodeURIComponent('2026-01-01T00:00:00Z')}`,
        'from',
      ],
    ] as const) {
      const response = await get(`/v1/audit-log?${query}`, 'owner');
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toMatchObject({
        code: 'validation_failed',
        errors: [expect.objectContaining({ in: 'querystring', field })],
      });
    }
  });

  it('is refused to roles without audit:read, and platform entries are for superadmins only', async () => {
    expect((await get('/v1/audit-log', 'member')).statusCode).toBe(403);
    expect((await get('/v1/audit-log', 'anonymous')).statusCode).toBe(401);
    expect((await get('/v1/admin/audit-log', 'owner')).statusCode).toBe(403);
    const platform = ZAuditPage.parse((await get('/v1/admin/audit-log', 'superadmin')).json());
    expect(platform.data.map((e) => [e.action, e.orgId])).toEqual([
      ['platform.sign_in_failed', null],
      ['platform.sign_in_failed', null],
    ]);
  });
});
