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
    const response = await get('/v1/audit-log?limit=100', 'owner');
    expect(response.statusCode).toBe(200);
    const page = ZAuditPage.parse(response.json());
    expect(page.data.every((e) => e.orgId === world.orgA)).toBe(true);
    const times = page.data.map((e) => Date.parse(e.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const actions = page.data.map((e) => e.action);
    expect(actions.filter((a) => a === 'member.role_changed')).toHaveLength(5);
    expect(actions).toContain('organization.created');
    // Switching into the organization is itself a security event of that organization.
    expect(actions).toContain('organization.activated');
    expect(page.nextCursor).toBeNull();

    const other = ZAuditPage.parse((await get('/v1/audit-log?limit=100', 'otherOrgOwner')).json());
    expect(other.data.length).toBeGreaterThan(0);
    expect(other.data.every((e) => e.orgId === world.orgB)).toBe(true);
  });

  it('pages with a cursor and filters by actor, action and time', async () => {
    const filter = 'action=member.role_changed';
    const first = ZAuditPage.parse((await get(`/v1/audit-log?${filter}&limit=3`, 'admin')).json());
    expect(first.data).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = ZAuditPage.parse(
      (await get(`/v1/audit-log?${filter}&limit=3&cursor=${first.nextCursor}`, 'admin')).json(),
    );
    expect(second.data).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.data, ...second.data].map((e) => e.id);
    expect(new Set(ids).size).toBe(5);

    const byActor = ZAuditPage.parse(
      (await get(`/v1/audit-log?actor=${world.personas.admin.userId}&${filter}`, 'admin')).json(),
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
    const platform = ZAuditPage.parse(
      (await get('/v1/admin/audit-log?limit=100', 'superadmin')).json(),
    );
    expect(platform.data.every((e) => e.orgId === null)).toBe(true);
    expect(platform.data.filter((e) => e.action === 'platform.sign_in_failed')).toHaveLength(2);
    expect(platform.data.map((e) => e.action)).toContain('auth.signed_up');
  });
});
