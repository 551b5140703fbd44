import { symmetricDecrypt, symmetricEncrypt } from 'better-auth/crypto';
import { eq, like } from 'drizzle-orm';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import {
  accounts,
  jwks,
  twoFactors,
  users,
  verifications,
} from '#server/modules/identity/identity.schema';
import { readKeyFile } from '#server/platform/crypto/key-file';
import { formatKeyEntries, generateKeyEntry } from '#server/platform/crypto/keyring';
import { newId } from '#server/platform/db/columns';
import { rotateKeys } from '#server/rotate-keys';
import { createTestApp, type TTestApp } from '#test/app';
import { browser, type TBrowser } from '#test/browser';
import { testBackends } from '#test/databases';
import { signUpVerified } from '#test/personas';
import { totpCode } from '#test/totp';

const env = {
  RATE_LIMIT_MAX: '100000',
  RATE_LIMIT_AUTH_MAX: '100000',
  RATE_LIMIT_ACCOUNT_MAX: '100000',
};
const logger = pino({ level: 'silent' });
const password = 'rotation password 1234';

/** What better-auth itself uses to encrypt and decrypt, in this app. */
const secretConfigOf = async (t: TTestApp) => (await t.services.auth.$context).secretConfig;

const rowsOf = (t: TTestApp) =>
  t.services.tenancy.withPlatform(async (tx) => ({
    secrets: await tx.select().from(twoFactors),
    keys: await tx.select().from(jwks),
    accounts: await tx.select().from(accounts),
  }));

/** Signs up a user and turns TOTP on through the API; returns the browser and the otpauth URI. */
async function withTotp(t: TTestApp, email: string) {
  await signUpVerified(t, { name: 'Rotation', email, password });
  const b = browser(t);
  const signIn = await b.call('POST', '/v1/auth/sign-in/email', { email, password });
  expect(signIn.statusCode, signIn.body).toBe(200);
  const enable = await b.call('POST', '/v1/auth/two-factor/enable', { password });
  expect(enable.statusCode, enable.body).toBe(200);
  const { totpURI } = enable.json<{ totpURI: string }>();
  const confirm = await b.call('POST', '/v1/auth/two-factor/verify-totp', {
    code: totpCode(totpURI),
  });
  expect(confirm.statusCode, confirm.body).toBe(200);
  const [user] = await t.services.tenancy.withPlatform((tx) =>
    tx.select().from(users).where(eq(users.email, email)),
  );
  return { b, totpURI, userId: user!.id };
}

/** A password + TOTP sign-in from a new browser; codes are single-use, so the record is cleared. */
async function signInWithTotp(t: TTestApp, email: string, totpURI: string, trustDevice = false) {
  await t.services.tenancy.withPlatform((tx) =>
    tx.delete(verifications).where(like(verifications.identifier, 'totp-used-%')),
  );
  const b = browser(t);
  const first = await b.call('POST', '/v1/auth/sign-in/email', { email, password });
  expect(first.json()).toMatchObject({ twoFactorRedirect: true });
  const second = await b.call('POST', '/v1/auth/two-factor/verify-totp', {
    code: totpCode(totpURI),
    trustDevice,
  });
  expect(second.statusCode, second.body).toBe(200);
  expect(b.has('session_token')).toBe(true);
  return b;
}

async function mintAndVerify(t: TTestApp, b: TBrowser) {
  const token = await b.call('GET', '/v1/auth/token');
  expect(token.statusCode, token.body).toBe(200);
  return verifyJwt(t, token.json<{ token: string }>().token);
}

async function verifyJwt(t: TTestApp, token: string) {
  const published = await t.app.inject({ url: '/.well-known/jwks.json' });
  const { payload, protectedHeader } = await jwtVerify(
    token,
    createLocalJWKSet(published.json<JSONWebKeySet>()),
  );
  return { token, payload, kid: protectedHeader.kid };
}

const envelopeVersion = (value: string) => /^\$ba\$(\d+)\$/.exec(value)?.[1];

describe.each(testBackends())('key rotation with the generated key file on %s', (backend) => {
  let before: TTestApp;
  let after: TTestApp | undefined;
  const email = `rotate-${backend}@example.com`;
  const legacyEmail = `rotate-legacy-${backend}@example.com`;
  let totpURI: string;
  let legacyTotpURI: string;
  let session: TBrowser;
  let trusted: TBrowser;
  let oldToken: { token: string; kid: string | undefined };

  beforeAll(async () => {
    before = await createTestApp(backend, { env });
  });
  afterAll(async () => {
    await after?.close();
    await before?.close();
  });

  it('starts on one generated key, signing cookies with AUTH_SECRET, not with it', async () => {
    expect(before.config.encryptionKeySource.kind).toBe('file');
    expect(before.config.ENCRYPTION_KEYS.map((k) => k.id)).toEqual([1]);
    const context = await before.services.auth.$context;
    expect(context.secret).toBe(before.config.AUTH_SECRET);
    expect(context.secretConfig).toMatchObject({ currentVersion: 1 });
  });

  it('has TOTP secrets, a JWT signing key and OAuth tokens encrypted', async () => {
    ({ b: session, totpURI } = await withTotp(before, email));
    trusted = await signInWithTotp(before, email, totpURI, true);
    expect(trusted.has('trust_device')).toBe(true);
    const minted = await mintAndVerify(before, session);
    oldToken = { token: minted.token, kid: minted.kid };

    // A user from before the keyring: TOTP secret encrypted with AUTH_SECRET alone (bare hex).
    const legacy = await withTotp(before, legacyEmail);
    legacyTotpURI = legacy.totpURI;
    const secretConfig = await secretConfigOf(before);
    await before.services.tenancy.withPlatform(async (tx) => {
      const [row] = await tx.select().from(twoFactors).where(eq(twoFactors.userId, legacy.userId));
      const plain = await symmetricDecrypt({ key: secretConfig, data: row!.secret });
      const bare = await symmetricEncrypt({ key: before.config.AUTH_SECRET, data: plain });
      await tx.update(twoFactors).set({ secret: bare }).where(eq(twoFactors.id, row!.id));
      // An OAuth account: a token stored before encryption was on, one encrypted since.
      await tx.insert(accounts).values({
        id: newId(),
        userId: legacy.userId,
        providerId: 'github',
        accountId: `gh-${backend}`,
        accessToken: 'gho_plaintext-access-token',
        refreshToken: await symmetricEncrypt({ key: secretConfig, data: 'ghr_refresh-token' }),
      });
    });
    // better-auth's legacy fallback still reads it.
    await signInWithTotp(before, legacyEmail, legacyTotpURI);

    const rows = await rowsOf(before);
    expect(rows.secrets.map((r) => envelopeVersion(r.secret) ?? 'bare').sort()).toEqual([
      '1',
      'bare',
    ]);
    expect(rows.keys).toHaveLength(1);
    expect(envelopeVersion(JSON.parse(rows.keys[0]!.privateKey) as string)).toBe('1');
    const census = await before.services.keyRotation.census();
    expect(census.total).toMatchObject({ '1': expect.any(Number) as number, legacy: 1 });
  });

  it('rotates: a new key, everything re-encrypted, the old key retired from the file', async () => {
    const outcome = await rotateKeys({
      config: before.config,
      database: before.db.database,
      logger,
    });
    expect(outcome).toMatchObject({
      source: 'file',
      addedKeyId: 2,
      currentKeyId: 2,
      retiredKeyIds: [1],
      failures: [],
      stillReferenced: {},
      complete: true,
    });
    expect(outcome.reencrypted).toMatchObject({
      'two_factors.secret': 2,
      'jwks.private_key': 1,
    });
    if (before.services.auth.options.account?.encryptOAuthTokens) {
      expect(outcome.reencrypted).toMatchObject({
        'accounts.access_token': 1,
        'accounts.refresh_token': 1,
      });
    }
    const file = before.config.encryptionKeySource;
    if (file.kind !== 'file') throw new Error('expected the key file');
    const onFile = readKeyFile(file.file);
    expect(onFile.map((k) => k.id)).toEqual([2]);

    // Audited as a platform entry: ids and counts, no key material.
    const [entry] = await before.services.tenancy.withMaintenance((tx) =>
      tx.select().from(auditLog).where(eq(auditLog.action, 'keys.rotated')),
    );
    expect(entry).toMatchObject({
      orgId: null,
      actorType: 'system',
      targetType: 'keyring',
      targetId: '2',
    });
    expect(entry!.after).toMatchObject({ addedKeyId: 2, retiredKeyIds: [1], complete: true });
    const text = JSON.stringify(entry);
    for (const key of [...before.config.ENCRYPTION_KEYS, ...onFile]) {
      expect(text).not.toContain(key.key);
    }

    // Run again right away: another full rotation, nothing lost.
    const again = await rotateKeys({
      config: before.config,
      database: before.db.database,
      logger,
    });
    expect(again).toMatchObject({ addedKeyId: 3, retiredKeyIds: [2], complete: true });
    expect(readKeyFile(file.file).map((k) => k.id)).toEqual([3]);
  });

  it('works on a restart with only the new key: sessions, TOTP, legacy users, JWTs', async () => {
    after = await createTestApp(backend, { env, restartOf: before });
    expect(after.config.ENCRYPTION_KEYS.map((k) => k.id)).toEqual([3]);

    const rows = await rowsOf(after);
    expect(rows.secrets.map((r) => envelopeVersion(r.secret))).toEqual(['3', '3']);
    expect(envelopeVersion(JSON.parse(rows.keys[0]!.privateKey) as string)).toBe('3');
    expect((await after.services.keyRotation.census()).total).toEqual({
      '3': expect.any(Number) as number,
    });

    // The session cookie from before the rotations is still good...
    session.use(after);
    const current = await session.call('GET', '/v1/auth/get-session');
    expect(current.json()).toMatchObject({ user: { email } });
    // ...and so is the trusted device: no second factor asked.
    trusted.use(after);
    await trusted.call('POST', '/v1/auth/sign-out');
    const again = await trusted.call('POST', '/v1/auth/sign-in/email', { email, password });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).not.toHaveProperty('twoFactorRedirect');

    // TOTP secrets still decrypt: the converted legacy one too.
    await signInWithTotp(after, email, totpURI);
    await signInWithTotp(after, legacyEmail, legacyTotpURI);

    // The same signing key (re-encrypted) still signs; tokens from before still verify.
    const minted = await mintAndVerify(after, session);
    expect(minted.kid).toBe(oldToken.kid);
    expect((await verifyJwt(after, oldToken.token)).payload.email).toBe(email);

    expect(after.services.auth.options.account?.encryptOAuthTokens).toBe(true);
    {
      const secretConfig = await secretConfigOf(after);
      const [account] = rows.accounts.filter((a) => a.providerId === 'github');
      expect(envelopeVersion(account!.accessToken!)).toBe('3');
      expect(await symmetricDecrypt({ key: secretConfig, data: account!.accessToken! })).toBe(
        'gho_plaintext-access-token',
      );
      expect(await symmetricDecrypt({ key: secretConfig, data: account!.refreshToken! })).toBe(
        'ghr_refresh-token',
      );
      expect(account!.idToken).toBeNull();
    }
  });

  it('keeps the old keys in the file while a value under one cannot be re-encrypted', async () => {
    const t = after!;
    const file = t.config.encryptionKeySource;
    if (file.kind !== 'file') throw new Error('expected the key file');
    const damaged = newId();
    const [user] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, email)),
    );
    await t.services.tenancy.withPlatform((tx) =>
      tx
        .insert(twoFactors)
        .values({ id: damaged, userId: user!.id, secret: '$ba$3$00ff00ff', backupCodes: '[]' }),
    );
    const refused = await rotateKeys({ config: t.config, database: t.db.database, logger });
    expect(refused).toMatchObject({
      addedKeyId: 4,
      retiredKeyIds: [],
      stillReferenced: { '3': 1 },
      complete: false,
    });
    expect(refused.failures).toEqual([
      expect.objectContaining({ column: 'two_factors.secret', id: damaged }),
    ]);
    expect(readKeyFile(file.file).map((k) => k.id)).toEqual([4, 3]);

    await t.services.tenancy.withPlatform((tx) =>
      tx.delete(twoFactors).where(eq(twoFactors.id, damaged)),
    );
    const done = await rotateKeys({ config: t.config, database: t.db.database, logger });
    expect(done).toMatchObject({ addedKeyId: 5, retiredKeyIds: [4, 3], complete: true });
    expect(readKeyFile(file.file).map((k) => k.id)).toEqual([5]);
  });
});

describe.each(testBackends())('key rotation with ENCRYPTION_KEYS on %s', (backend) => {
  const first = generateKeyEntry();
  const second = generateKeyEntry([first]);
  let t: TTestApp;
  let rotated: TTestApp | undefined;
  const email = `rotate-env-${backend}@example.com`;
  let totpURI: string;
  let userId: string;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { ...env, ENCRYPTION_KEYS: formatKeyEntries([first]) },
    });
    ({ totpURI, userId } = await withTotp(t, email));
  });
  afterAll(async () => {
    await rotated?.close();
    await t?.close();
  });

  it('re-encrypts under the first key, and names the old key as removable', async () => {
    // The operator put the new key first on every process; old processes still read both.
    rotated = await createTestApp(backend, {
      env: { ...env, ENCRYPTION_KEYS: formatKeyEntries([second, first]) },
      restartOf: t,
    });
    const outcome = await rotateKeys({
      config: rotated.config,
      database: rotated.db.database,
      logger,
    });
    expect(outcome).toMatchObject({
      source: 'env',
      addedKeyId: undefined,
      currentKeyId: second.id,
      retiredKeyIds: [],
      removableKeyIds: [first.id],
      complete: true,
    });
    expect(outcome.reencrypted['two_factors.secret']).toBe(1);
    await signInWithTotp(rotated, email, totpURI);
  });

  it('keeps a key still referenced by a value it cannot re-encrypt', async () => {
    // A value under the old key that does not decrypt (damaged): the key must not be removed.
    await t.services.tenancy.withPlatform((tx) =>
      tx.insert(twoFactors).values({
        id: newId(),
        userId,
        secret: `$ba$${first.id}$00ff00ff`,
        backupCodes: '[]',
      }),
    );
    const outcome = await rotateKeys({
      config: rotated!.config,
      database: rotated!.db.database,
      logger,
    });
    expect(outcome.complete).toBe(false);
    expect(outcome.removableKeyIds).toEqual([]);
    expect(outcome.stillReferenced).toEqual({ [String(first.id)]: 1 });
    expect(outcome.failures).toEqual([
      expect.objectContaining({
        column: 'two_factors.secret',
        message: expect.any(String) as string,
      }),
    ]);
  });
});
