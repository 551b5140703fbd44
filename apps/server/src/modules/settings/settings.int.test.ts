import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import { users } from '#server/modules/identity/identity.schema';
import { createTestApp, runWork, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TPersonaName, type TWorld } from '#test/personas';
import { startSmtpSink, type TSmtpSink } from '#test/smtp';
import { totpCode } from '#test/totp';

const origin = 'http://localhost:3000';

describe.each(testBackends())('organization settings and required two-factor on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let smtp: TSmtpSink;
  /** Sessions by persona: turning two-factor on replaces the session it was done in. */
  const headers = {} as Record<TPersonaName, Record<string, string>>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(backend, {
      env: { SMTP_URL: smtp.url, RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `settings-${backend}`);
    for (const [name, persona] of Object.entries(world.personas)) {
      headers[name as TPersonaName] = persona.headers;
    }
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const api = (
    persona: TPersonaName,
    method: 'GET' | 'PATCH' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
  ) => t.app.inject({ method, url, headers: headers[persona], ...(payload ? { payload } : {}) });

  /** Turns two-factor on for a persona through the API, keeping the session it ends up with. */
  const enableTwoFactor = async (persona: TPersonaName) => {
    const password = `${persona} password 1234`;
    const enable = await api(persona, 'POST', '/v1/auth/two-factor/enable', { password });
    expect(enable.statusCode, enable.body).toBe(200);
    const uri = enable.json<{ totpURI: string }>().totpURI;
    const verify = await api(persona, 'POST', '/v1/auth/two-factor/verify-totp', {
      code: totpCode(uri),
    });
    expect(verify.statusCode, verify.body).toBe(200);
    const cookie = verify.cookies.find((c) => c.name.endsWith('session_token'));
    if (cookie) headers[persona] = { origin, cookie: `${cookie.name}=${cookie.value}` };
  };
  const twoFactorOf = async (userId: string) =>
    (
      await t.services.tenancy.withPlatform((tx) =>
        tx.select({ on: users.twoFactorEnabled }).from(users).where(eq(users.id, userId)),
      )
    )[0]?.on;

  it('reads the settings as any member, changes them as settings:manage, audited', async () => {
    const read = await api('viewer', 'GET', '/v1/organization/settings');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ auditRetentionDays: 365, requireTwoFactor: false });

    expect(
      (await api('member', 'PATCH', '/v1/organization/settings', { auditRetentionDays: 90 }))
        .statusCode,
    ).toBe(403);
    for (const [body, field] of [
      [{ auditRetentionDays: 5 }, 'auditRetentionDays'],
      [{ auditRetentionDays: 'lots' }, 'auditRetentionDays'],
      [{}, ''],
    ] as const) {
      const bad = await api('admin', 'PATCH', '/v1/organization/settings', body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(
        field,
      );
    }
    const changed = await api('admin', 'PATCH', '/v1/organization/settings', {
      auditRetentionDays: 90,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ auditRetentionDays: 90, requireTwoFactor: false });
    const [entry] = await t.services.tenancy.withTenant(world.orgA, (tx) =>
      tx.select().from(auditLog).where(eq(auditLog.action, 'organization.settings_updated')),
    );
    expect(entry).toMatchObject({
      actorId: world.personas.admin.userId,
      before: { auditRetentionDays: 365 },
      after: { auditRetentionDays: 90 },
    });
  });

  it('requires two-factor of every member once turned on, by someone who has it', async () => {
    const early = await api('admin', 'PATCH', '/v1/organization/settings', {
      requireTwoFactor: true,
    });
    expect(early.statusCode).toBe(409);
    expect(early.json<{ detail: string }>().detail).toContain('lock you out');

    await enableTwoFactor('admin');
    const on = await api('admin', 'PATCH', '/v1/organization/settings', { requireTwoFactor: true });
    expect(on.statusCode, on.body).toBe(200);

    // The viewer has no second factor: refused everything here, with the way out named...
    const refused = await api('viewer', 'GET', '/v1/organization');
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ detail: string }>().detail).toContain('requires two-factor');
    // ...while the account, where it is turned on, stays open.
    expect((await api('viewer', 'GET', '/v1/auth/get-session')).statusCode).toBe(200);
    await enableTwoFactor('viewer');
    expect((await api('viewer', 'GET', '/v1/organization')).statusCode).toBe(200);
    // The admin, who has it, was never refused.
    expect((await api('admin', 'GET', '/v1/audit-log')).statusCode).toBe(200);
  });

  it('lets an admin reset a member’s lost second factor, audited, the member told by mail', async () => {
    const viewerId = world.personas.viewer.userId!;
    expect(await twoFactorOf(viewerId)).toBe(true);
    expect(
      (await api('member', 'DELETE', `/v1/organization/members/${viewerId}/two-factor`)).statusCode,
    ).toBe(403);

    const reset = await api('admin', 'DELETE', `/v1/organization/members/${viewerId}/two-factor`);
    expect(reset.statusCode, reset.body).toBe(204);
    expect(await twoFactorOf(viewerId)).toBe(false);
    // Sent by the notifications job, from the reset's event (whatever the preferences say).
    await runWork(t);
    const [mail, ...more] = await smtp.settled(
      `viewer-settings-${backend}@example.com`,
      /^Your Corebase two-factor authentication was reset$/,
    );
    expect(more).toHaveLength(0);
    expect(mail?.text).toContain('Org A');
    const audit = await t.services.tenancy.withTenant(world.orgA, (tx) =>
      tx
        .select()
        .from(auditLog)
        .where(
          and(eq(auditLog.action, 'member.two_factor_reset'), eq(auditLog.targetId, viewerId)),
        ),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actorId).toBe(world.personas.admin.userId);

    const again = await api('admin', 'DELETE', `/v1/organization/members/${viewerId}/two-factor`);
    expect(again.statusCode).toBe(409);
    const self = await api(
      'admin',
      'DELETE',
      `/v1/organization/members/${world.personas.admin.userId}/two-factor`,
    );
    expect(self.statusCode).toBe(409);
    // The owner can do what the admin cannot (delete the organization): out of the admin's reach.
    const owner = await api(
      'admin',
      'DELETE',
      `/v1/organization/members/${world.personas.owner.userId}/two-factor`,
    );
    expect(owner.statusCode).toBe(403);
    // Someone of another organization is no member here.
    const stranger = await api(
      'admin',
      'DELETE',
      `/v1/organization/members/${world.personas.otherOrgOwner.userId}/two-factor`,
    );
    expect(stranger.statusCode).toBe(404);
    const malformed = await api('admin', 'DELETE', '/v1/organization/members/nope/two-factor');
    expect(malformed.statusCode).toBe(400);
  });
});
