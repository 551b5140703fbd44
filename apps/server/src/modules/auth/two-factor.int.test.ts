import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import { twoFactors, users, verifications } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { browser } from '#test/browser';
import { signUpVerified } from '#test/personas';
import { totpCode } from '#test/totp';

describe.each(testBackends())('two-factor sign-in on %s', (backend) => {
  let t: TTestApp;
  const email = `tfa-${backend}@example.com`;
  const password = 'two factor password 1234';
  let userId: string;
  let totpURI: string;
  let backupCodes: string[];

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: {
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
        RATE_LIMIT_ACCOUNT_MAX: '100000',
      },
    });
    userId = (await signUpVerified(t, { name: 'Tfa', email, password })).userId;
  });
  afterAll(() => t?.close());

  const actions = () =>
    t.services.tenancy
      .withPlatformAdmin(userId, (tx) =>
        tx.select().from(auditLog).where(eq(auditLog.actorId, userId)),
      )
      .catch(async () =>
        // The user is no superadmin: read platform entries as the maintenance role.
        t.services.tenancy.withMaintenance((tx) =>
          tx.select().from(auditLog).where(eq(auditLog.actorId, userId)),
        ),
      );
  /**
   * A code as a new one from the app: each TOTP code works once, and these tests sign the same
   * user in several times within one 30 s period, so the record of used codes is cleared first.
   */
  const freshCode = async () => {
    await t.services.tenancy.withPlatform((tx) =>
      tx.delete(verifications).where(like(verifications.identifier, 'totp-used-%')),
    );
    return totpCode(totpURI);
  };
  const twoFactorEnabled = async () =>
    (
      await t.services.tenancy.withPlatform((tx) =>
        tx.select({ on: users.twoFactorEnabled }).from(users).where(eq(users.id, userId)),
      )
    )[0]?.on;
  const signIn = (b: ReturnType<typeof browser>) =>
    b.call('POST', '/v1/auth/sign-in/email', { email, password });

  it('sets up TOTP: a QR code and otpauth URI, on only once a code confirms it', async () => {
    const b = browser(t);
    expect((await signIn(b)).statusCode).toBe(200);
    const wrong = await b.call('POST', '/v1/auth/two-factor/enable', {
      password: 'not my password',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ reason: 'invalid_password' });

    const enable = await b.call('POST', '/v1/auth/two-factor/enable', { password });
    expect(enable.statusCode, enable.body).toBe(200);
    const body = enable.json<{ totpURI: string; backupCodes: string[]; qrCode: string }>();
    expect(body.totpURI).toMatch(/^otpauth:\/\/totp\/Corebase:/);
    expect(body.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(body.backupCodes).toHaveLength(10);
    ({ totpURI, backupCodes } = body);
    expect(await twoFactorEnabled()).toBe(false);

    const bad = await b.call('POST', '/v1/auth/two-factor/verify-totp', { code: '000000' });
    expect(bad.statusCode).toBe(401);
    expect(await twoFactorEnabled()).toBe(false);
    const confirm = await b.call('POST', '/v1/auth/two-factor/verify-totp', {
      code: await freshCode(),
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    expect(await twoFactorEnabled()).toBe(true);
    expect((await actions()).map((a) => a.action)).toEqual(
      expect.arrayContaining(['auth.two_factor_setup_started', 'auth.two_factor_enabled']),
    );
  });

  it('keeps no usable secret or backup code at rest', async () => {
    const [row] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(twoFactors).where(eq(twoFactors.userId, userId)),
    );
    const secret = new URL(totpURI).searchParams.get('secret')!;
    expect(row!.secret).not.toContain(secret);
    for (const code of backupCodes) expect(row!.backupCodes).not.toContain(code);
    expect(JSON.parse(row!.backupCodes)).toHaveLength(10);
  });

  it('asks a password sign-in for the second factor, and signs in with the TOTP code', async () => {
    const b = browser(t);
    const first = await signIn(b);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ twoFactorRedirect: true });
    // No session until the second factor: only the short-lived challenge cookie.
    expect(b.has('session_token')).toBe(false);
    expect(b.has('two_factor')).toBe(true);
    expect((await b.call('GET', '/v1/auth/get-session')).json()).toBeNull();

    const wrong = await b.call('POST', '/v1/auth/two-factor/verify-totp', { code: '123456' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(b.has('session_token')).toBe(false);

    const code = await freshCode();
    const right = await b.call('POST', '/v1/auth/two-factor/verify-totp', { code });
    expect(right.statusCode, right.body).toBe(200);
    expect(b.has('session_token')).toBe(true);
    // Someone who saw that code (over a shoulder, through a phishing page) cannot use it again.
    const replay = browser(t);
    await signIn(replay);
    const again = await replay.call('POST', '/v1/auth/two-factor/verify-totp', { code });
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ reason: 'totp_code_used' });
    expect(replay.has('session_token')).toBe(false);
    expect((await b.call('GET', '/v1/auth/get-session')).json()).toMatchObject({
      user: { email },
    });
    const entries = await actions();
    expect(entries.map((a) => a.action)).toEqual(
      expect.arrayContaining(['auth.two_factor_challenged', 'auth.two_factor_failed']),
    );
    expect(
      entries.find(
        (a) =>
          a.action === 'auth.signed_in' &&
          (a.after as { method?: string }).method === 'password+totp',
      ),
    ).toBeTruthy();

    // A challenge without its cookie is nothing.
    const stranger = browser(t);
    const guess = await stranger.call('POST', '/v1/auth/two-factor/verify-totp', {
      code: await freshCode(),
    });
    expect(guess.statusCode).toBe(401);
    expect(stranger.has('session_token')).toBe(false);
  });

  it('signs in with a backup code once; the same code never again', async () => {
    const b = browser(t);
    await signIn(b);
    expect(backupCodes.every((code) => /^[a-z2-9]{5}-[a-z2-9]{5}$/.test(code))).toBe(true);
    // Typed from paper: case and surrounding spaces do not matter.
    const used = await b.call('POST', '/v1/auth/two-factor/verify-backup-code', {
      code: ` ${backupCodes[0]!.toUpperCase()} `,
    });
    expect(used.statusCode, used.body).toBe(200);
    expect(b.has('session_token')).toBe(true);

    const again = browser(t);
    await signIn(again);
    const reused = await again.call('POST', '/v1/auth/two-factor/verify-backup-code', {
      code: backupCodes[0],
    });
    expect(reused.statusCode).toBe(401);
    expect(again.has('session_token')).toBe(false);
    const [row] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(twoFactors).where(eq(twoFactors.userId, userId)),
    );
    expect(JSON.parse(row!.backupCodes)).toHaveLength(9);
  });

  it('skips the second factor on a device trusted at sign-in, for that device only', async () => {
    const b = browser(t);
    await signIn(b);
    const trusted = await b.call('POST', '/v1/auth/two-factor/verify-totp', {
      code: await freshCode(),
      trustDevice: true,
    });
    expect(trusted.statusCode).toBe(200);
    expect(b.has('trust_device')).toBe(true);
    await b.call('POST', '/v1/auth/sign-out');
    expect(b.has('session_token')).toBe(false);
    const next = await signIn(b);
    expect(next.json()).not.toHaveProperty('twoFactorRedirect');
    expect(b.has('session_token')).toBe(true);

    const other = browser(t);
    expect((await signIn(other)).json()).toMatchObject({ twoFactorRedirect: true });
  });

  it('regenerates backup codes (the old ones stop working) and turns off with the password', async () => {
    const b = browser(t);
    await signIn(b);
    await b.call('POST', '/v1/auth/two-factor/verify-totp', { code: await freshCode() });
    const fresh = await b.call('POST', '/v1/auth/two-factor/generate-backup-codes', { password });
    expect(fresh.statusCode, fresh.body).toBe(200);
    const codes = fresh.json<{ backupCodes: string[] }>().backupCodes;
    expect(codes).toHaveLength(10);

    const old = browser(t);
    await signIn(old);
    expect(
      (await old.call('POST', '/v1/auth/two-factor/verify-backup-code', { code: backupCodes[1] }))
        .statusCode,
    ).toBe(401);
    expect(
      (await old.call('POST', '/v1/auth/two-factor/verify-backup-code', { code: codes[0] }))
        .statusCode,
    ).toBe(200);

    const refused = await b.call('POST', '/v1/auth/two-factor/disable', { password: 'wrong one' });
    expect(refused.statusCode).toBe(400);
    expect(await twoFactorEnabled()).toBe(true);
    const off = await b.call('POST', '/v1/auth/two-factor/disable', { password });
    expect(off.statusCode, off.body).toBe(200);
    expect(await twoFactorEnabled()).toBe(false);
    const plain = browser(t);
    expect((await signIn(plain)).json()).not.toHaveProperty('twoFactorRedirect');
    expect(plain.has('session_token')).toBe(true);
    expect((await actions()).map((a) => a.action)).toEqual(
      expect.arrayContaining(['auth.backup_codes_regenerated', 'auth.two_factor_disabled']),
    );
  });
});
