import { eq } from 'drizzle-orm';
import type { TPermission } from '@corebase/contracts';
import { unwrap, type paths } from '@corebase/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '#server/modules/api-keys/api-keys.schema';
import { auditLog } from '#server/modules/audit/audit.schema';
import { memberships } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TPersonaName, type TWorld } from '#test/personas';
import { sdkFor } from '#test/sdk';

type TCreateKeyBody = paths['/v1/api-keys']['post']['requestBody']['content']['application/json'];

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

  /** The typed client signed in as a persona, or holding a key (as a bearer token or X-API-Key). */
  const api = (persona: TPersonaName) => sdkFor(t, { headers: world.personas[persona].headers });
  const withKey = (key: string, how: 'bearer' | 'header' = 'bearer') =>
    sdkFor(t, how === 'bearer' ? { bearer: key } : { apiKey: key });
  const keyPath = (id: string) => ({ params: { path: { id } } });
  const create = async (persona: TPersonaName, body: TCreateKeyBody) => {
    const created = await api(persona).POST('/v1/api-keys', { body });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    return created.data!;
  };

  it('creates a scoped key shown once, stored only as a hash, usable as Bearer or X-API-Key', async () => {
    const created = await create('admin', {
      name: 'Reporting',
      permissions: ['audit:read', 'organization:read'],
    });
    expect(created.key).toMatch(/^cbk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const list = await unwrap(api('admin').GET('/v1/api-keys'));
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect(list.data.map((k) => k.id)).toContain(created.id);
    const [row] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(apiKeys).where(eq(apiKeys.id, created.id)),
    );
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12));

    expect((await withKey(created.key).GET('/v1/audit-log')).response.status).toBe(200);
    expect((await withKey(created.key, 'header').GET('/v1/organization')).response.status).toBe(
      200,
    );
    // Without the scope: 403, naming it. Account, member and platform routes: never with a key.
    const roles = await withKey(created.key).GET('/v1/roles');
    expect(roles.error).toMatchObject({ status: 403, code: 'forbidden' });
    expect(roles.error?.detail).toContain('members:read');
    for (const path of [
      '/v1/auth/list-sessions',
      '/v1/auth/organization/list-members',
      '/v1/admin/audit-log',
    ] as const) {
      const refused = await withKey(created.key).GET(path);
      expect(refused.error, path).toMatchObject({ status: 403, code: 'forbidden' });
    }
    // Exempt from CSRF: a key is no cookie a browser adds by itself.
    const patch = await withKey(created.key, 'header').PATCH('/v1/organization/settings', {
      headers: { origin: 'https://evil.example.net' },
      body: { auditRetentionDays: 100 },
    });
    expect(patch.error).toMatchObject({ status: 403, code: 'forbidden' });
    expect(patch.error?.detail).toContain('settings:manage');

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
    const role = await withKey(created.key).POST('/v1/roles', {
      body: { name: `provisioned-${backend}`, permissions: ['members:read'] },
    });
    expect(role.response.status, JSON.stringify(role.error)).toBe(201);
    const roleCreated = { params: { query: { action: 'role.created' } } };
    const entries = await unwrap(api('owner').GET('/v1/audit-log', roleCreated));
    const entry = entries.data.find((e) =>
      JSON.stringify(e.after).includes(`provisioned-${backend}`),
    );
    expect(entry).toMatchObject({
      actorId: world.personas.owner.userId,
      apiKeyId: created.id,
    });
    // The same action by the person themself names no key.
    await unwrap(
      api('owner').POST('/v1/roles', {
        body: { name: `by-hand-${backend}`, permissions: ['members:read'] },
      }),
    );
    const byHand = (await unwrap(api('owner').GET('/v1/audit-log', roleCreated))).data.find((e) =>
      JSON.stringify(e.after).includes(`by-hand-${backend}`),
    );
    expect(byHand?.apiKeyId).toBeNull();
  });

  it('refuses unknown, revoked and expired keys with 401, and keys beyond the creator', async () => {
    for (const key of ['cbk_nope', 'not-a-key', `cbk_${'x'.repeat(43)}`]) {
      const { error, response } = await withKey(key, 'header').GET('/v1/organization');
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(error, key).toMatchObject({ status: 401, code: 'unauthenticated' });
    }
    const revoked = await create('admin', { name: 'Old', permissions: ['organization:read'] });
    const revoke = await api('admin').DELETE('/v1/api-keys/{id}', keyPath(revoked.id));
    expect(revoke.response.status, JSON.stringify(revoke.error)).toBe(200);
    expect((await withKey(revoked.key).GET('/v1/organization')).error).toMatchObject({
      status: 401,
      code: 'unauthenticated',
    });
    expect(
      (await api('admin').DELETE('/v1/api-keys/{id}', keyPath(revoked.id))).error,
    ).toMatchObject({ status: 409, code: 'conflict' });

    const expiring = await create('admin', {
      name: 'Short',
      permissions: ['organization:read'],
      expiresInDays: 1,
    });
    expect((await withKey(expiring.key).GET('/v1/organization')).response.status).toBe(200);
    await t.services.tenancy.withPlatform((tx) =>
      tx
        .update(apiKeys)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(apiKeys.id, expiring.id)),
    );
    expect((await withKey(expiring.key).GET('/v1/organization')).error).toMatchObject({
      status: 401,
      code: 'unauthenticated',
    });

    // Nobody makes a key that can do more than they can; a creator's loss is the key's loss.
    const beyond = await api('admin').POST('/v1/api-keys', {
      body: { name: 'Boss', permissions: ['organization:delete'] },
    });
    expect(beyond.error).toMatchObject({ status: 403, code: 'forbidden' });
    const byMember = await create('owner', { name: 'Audit bot', permissions: ['audit:read'] });
    expect((await withKey(byMember.key).GET('/v1/audit-log')).response.status).toBe(200);
    await t.services.tenancy.withPlatform((tx) =>
      tx
        .update(memberships)
        .set({ role: 'viewer' })
        .where(eq(memberships.userId, world.personas.owner.userId!)),
    );
    try {
      expect((await withKey(byMember.key).GET('/v1/audit-log')).error).toMatchObject({
        status: 403,
        code: 'forbidden',
      });
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
    expect((await api('member').GET('/v1/api-keys')).error).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    const byMember = await api('member').POST('/v1/api-keys', {
      body: { name: 'x', permissions: ['organization:read'] },
    });
    expect(byMember.error).toMatchObject({ status: 403, code: 'forbidden' });
    const mine = await create('admin', { name: 'Mine', permissions: ['organization:read'] });
    const revoke = await api('otherOrgOwner').DELETE('/v1/api-keys/{id}', keyPath(mine.id));
    expect(revoke.error).toMatchObject({ status: 404, code: 'not_found' });
    const theirs = await unwrap(api('otherOrgOwner').GET('/v1/api-keys'));
    expect(theirs.data.map((k) => k.id)).not.toContain(mine.id);
    // A key of organization A acts in organization A only, whatever it is sent with.
    const org = await unwrap(withKey(mine.key).GET('/v1/organization'));
    expect(org).toMatchObject({ id: world.orgA });
    const cases: [TCreateKeyBody, string][] = [
      [{ name: '', permissions: ['organization:read'] }, 'name'],
      [{ name: 'x', permissions: [] }, 'permissions'],
      // Not a permission the document allows: the typed client would stop it, the server must too.
      [{ name: 'x', permissions: ['nope' as TPermission] }, 'permissions.0'],
      [{ name: 'x', permissions: ['organization:read'], expiresInDays: 0 }, 'expiresInDays'],
    ];
    for (const [body, field] of cases) {
      const { error } = await api('admin').POST('/v1/api-keys', { body });
      expect(error, field).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error?.errors?.map((e) => e.field)).toContain(field);
    }
  });

  it('limits requests per key, apart from other keys', async () => {
    const busy = await create('admin', { name: 'Busy', permissions: ['organization:read'] });
    const other = await create('admin', { name: 'Other', permissions: ['organization:read'] });
    const client = withKey(busy.key);
    const answers = [];
    for (let i = 0; i < 41; i++) answers.push(await client.GET('/v1/organization'));
    expect(answers.slice(0, 40).every((a) => a.response.status === 200)).toBe(true);
    expect(answers[40]!.error).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((await withKey(other.key).GET('/v1/organization')).response.status).toBe(200);
  });
});
