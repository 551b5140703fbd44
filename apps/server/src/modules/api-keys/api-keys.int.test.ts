import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '#server/modules/api-keys/api-keys.schema';
import { auditLog } from '#server/modules/audit/audit.schema';
import { memberships } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TPersonaName, type TWorld } from '#test/personas';

describe.each(testBackends())('API keys on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: {
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
        RATE_LIMIT_API_KEY_MAX: '40',
      },
    });
    world = await buildWorld(t, `keys-${backend}`);
  });
  afterAll(() => t?.close());

  const api = (
    persona: TPersonaName,
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
  const withKey = (
    key: string,
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    how: 'bearer' | 'header' = 'bearer',
    payload?: object,
  ) =>
    t.app.inject({
      method,
      url,
      headers: how === 'bearer' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key },
      ...(payload ? { payload } : {}),
    });
  const create = async (persona: TPersonaName, body: object) => {
    const response = await api(persona, 'POST', '/v1/api-keys', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: string; key: string; prefix: string }>();
  };

  it('creates a scoped key shown once, stored only as a hash, usable as Bearer or X-API-Key', async () => {
    const created = await create('admin', {
      name: 'Reporting',
      permissions: ['audit:read', 'organization:read'],
    });
    expect(created.key).toMatch(/^cbk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const list = await api('admin', 'GET', '/v1/api-keys');
    expect(list.body).not.toContain(created.key);
    expect(list.json<{ data: { id: string }[] }>().data.map((k) => k.id)).toContain(created.id);
    const [row] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(apiKeys).where(eq(apiKeys.id, created.id)),
    );
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12));

    expect((await withKey(created.key, 'GET', '/v1/audit-log')).statusCode).toBe(200);
    expect((await withKey(created.key, 'GET', '/v1/organization', 'header')).statusCode).toBe(200);
    // Without the scope: 403, naming it. Account, member and platform routes: never with a key.
    const roles = await withKey(created.key, 'GET', '/v1/roles');
    expect(roles.statusCode).toBe(403);
    expect(roles.json<{ detail: string }>().detail).toContain('members:read');
    expect((await withKey(created.key, 'GET', '/v1/auth/list-sessions')).statusCode).toBe(403);
    expect(
      (await withKey(created.key, 'GET', '/v1/auth/organization/list-members')).statusCode,
    ).toBe(403);
    expect((await withKey(created.key, 'GET', '/v1/admin/audit-log')).statusCode).toBe(403);
    // Exempt from CSRF: a key is no cookie a browser adds by itself.
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/v1/organization/settings',
      headers: { 'x-api-key': created.key, origin: 'https://evil.example.net' },
      payload: { auditRetentionDays: 100 },
    });
    expect(patch.statusCode).toBe(403);
    expect(patch.json<{ detail: string }>().detail).toContain('settings:manage');

    const [after] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(apiKeys).where(eq(apiKeys.id, created.id)),
    );
    expect(after?.lastUsedAt).not.toBeNull();
    const entries = await t.services.tenancy.withTenant(world.orgA, (tx) =>
      tx.select().from(auditLog).where(eq(auditLog.targetId, created.id)),
    );
    expect(entries.map((e) => e.action).sort()).toEqual(['api_key.created', 'api_key.first_used']);
    expect(JSON.stringify(entries)).not.toContain(created.key);
  });

  it('records what a key does under its creator, naming the key', async () => {
    const created = await create('owner', {
      name: 'Provisioning',
      permissions: ['members:read', 'members:manage'],
    });
    const role = await withKey(created.key, 'POST', '/v1/roles', 'bearer', {
      name: `provisioned-${backend}`,
      permissions: ['members:read'],
    });
    expect(role.statusCode, role.body).toBe(201);
    const entries = await api('owner', 'GET', '/v1/audit-log?action=role.created');
    const entry = entries
      .json<{ data: { actorId: string; apiKeyId: string | null; after: unknown }[] }>()
      .data.find((e) => JSON.stringify(e.after).includes(`provisioned-${backend}`));
    expect(entry).toMatchObject({
      actorId: world.personas.owner.userId,
      apiKeyId: created.id,
    });
    // The same action by the person themself names no key.
    await api('owner', 'POST', '/v1/roles', {
      name: `by-hand-${backend}`,
      permissions: ['members:read'],
    });
    const byHand = (await api('owner', 'GET', '/v1/audit-log?action=role.created'))
      .json<{ data: { apiKeyId: string | null; after: unknown }[] }>()
      .data.find((e) => JSON.stringify(e.after).includes(`by-hand-${backend}`));
    expect(byHand?.apiKeyId).toBeNull();
  });

  it('refuses unknown, revoked and expired keys with 401, and keys beyond the creator', async () => {
    for (const key of ['cbk_nope', 'not-a-key', `cbk_${'x'.repeat(43)}`]) {
      const response = await t.app.inject({
        url: '/v1/organization',
        headers: { 'x-api-key': key },
      });
      expect(response.statusCode, key).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const revoked = await create('admin', { name: 'Old', permissions: ['organization:read'] });
    expect((await api('admin', 'DELETE', `/v1/api-keys/${revoked.id}`)).statusCode).toBe(200);
    expect((await withKey(revoked.key, 'GET', '/v1/organization')).statusCode).toBe(401);
    expect((await api('admin', 'DELETE', `/v1/api-keys/${revoked.id}`)).statusCode).toBe(409);

    const expiring = await create('admin', {
      name: 'Short',
      permissions: ['organization:read'],
      expiresInDays: 1,
    });
    expect((await withKey(expiring.key, 'GET', '/v1/organization')).statusCode).toBe(200);
    await t.services.tenancy.withPlatform((tx) =>
      tx
        .update(apiKeys)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(apiKeys.id, expiring.id)),
    );
    expect((await withKey(expiring.key, 'GET', '/v1/organization')).statusCode).toBe(401);

    // Nobody makes a key that can do more than they can; a creator's loss is the key's loss.
    const beyond = await api('admin', 'POST', '/v1/api-keys', {
      name: 'Boss',
      permissions: ['organization:delete'],
    });
    expect(beyond.statusCode).toBe(403);
    const byMember = await create('owner', { name: 'Audit bot', permissions: ['audit:read'] });
    expect((await withKey(byMember.key, 'GET', '/v1/audit-log')).statusCode).toBe(200);
    await t.services.tenancy.withPlatform((tx) =>
      tx
        .update(memberships)
        .set({ role: 'viewer' })
        .where(eq(memberships.userId, world.personas.owner.userId!)),
    );
    try {
      expect((await withKey(byMember.key, 'GET', '/v1/audit-log')).statusCode).toBe(403);
    } finally {
      await t.services.tenancy.withPlatform((tx) =>
        tx
          .update(memberships)
          .set({ role: 'owner' })
          .where(eq(memberships.userId, world.personas.owner.userId!)),
      );
    }
  });

  it('is managed with apikeys:manage only, each organization its own keys', async () => {
    expect((await api('member', 'GET', '/v1/api-keys')).statusCode).toBe(403);
    expect(
      (
        await api('member', 'POST', '/v1/api-keys', {
          name: 'x',
          permissions: ['organization:read'],
        })
      ).statusCode,
    ).toBe(403);
    const mine = await create('admin', { name: 'Mine', permissions: ['organization:read'] });
    const revoke = await api('otherOrgOwner', 'DELETE', `/v1/api-keys/${mine.id}`);
    expect(revoke.statusCode).toBe(404);
    const theirs = await api('otherOrgOwner', 'GET', '/v1/api-keys');
    expect(theirs.json<{ data: { id: string }[] }>().data.map((k) => k.id)).not.toContain(mine.id);
    // A key of organization A acts in organization A only, whatever it is sent with.
    const org = await withKey(mine.key, 'GET', '/v1/organization');
    expect(org.json()).toMatchObject({ id: world.orgA });
    for (const [body, field] of [
      [{ name: '', permissions: ['organization:read'] }, 'name'],
      [{ name: 'x', permissions: [] }, 'permissions'],
      [{ name: 'x', permissions: ['nope'] }, 'permissions.0'],
      [{ name: 'x', permissions: ['organization:read'], expiresInDays: 0 }, 'expiresInDays'],
    ] as const) {
      const bad = await api('admin', 'POST', '/v1/api-keys', body);
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(
        field,
      );
    }
  });

  it('limits requests per key, apart from other keys', async () => {
    const busy = await create('admin', { name: 'Busy', permissions: ['organization:read'] });
    const other = await create('admin', { name: 'Other', permissions: ['organization:read'] });
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++)
      statuses.push((await withKey(busy.key, 'GET', '/v1/organization')).statusCode);
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    expect(statuses[40]).toBe(429);
    expect((await withKey(other.key, 'GET', '/v1/organization')).statusCode).toBe(200);
  });
});
