import { ZProblem } from '@corebase/contracts';
import { eq, sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import { accounts, users, verifications } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { signUpVerified } from '#test/personas';
import { linkIn, startSmtpSink, type TSmtpSink } from '#test/smtp';

const origin = 'http://localhost:3000';

type TInjectResponse = Awaited<ReturnType<TTestApp['app']['inject']>>;

/** A browser-like client: keeps the cookies it is given and sends the same-origin header. */
function client(t: TTestApp) {
  const jar = new Map<string, string>();
  return async (
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
  ): Promise<TInjectResponse> => {
    const response = await t.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: {
        origin,
        ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      },
    });
    for (const cookie of response.cookies) {
      if (cookie.value === '' || (cookie.maxAge !== undefined && cookie.maxAge <= 0))
        jar.delete(cookie.name);
      else jar.set(cookie.name, cookie.value);
    }
    return response;
  };
}

function problemOf(response: TInjectResponse) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return ZProblem.parse(response.json());
}

describe.each(testBackends())('accounts through better-auth on %s', (backend) => {
  let t: TTestApp;
  let smtp: TSmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(backend, {
      env: {
        SMTP_URL: smtp.url,
        RATE_LIMIT_MAX: '10000',
        RATE_LIMIT_AUTH_MAX: '10000',
        AUTH_LOCKOUT_THRESHOLD: '3',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  /** Opens the verification link mailed to `email` (which also signs that browser in). */
  const followVerification = async (browser: ReturnType<typeof client>, email: string) => {
    const link = linkIn(await smtp.waitFor(email), '/v1/auth/verify-email');
    return browser('GET', `${link.pathname}${link.search}`);
  };

  it('signs up, verifies the email from the link mailed over SMTP, signs out and in again', async () => {
    const browser = client(t);
    const email = `ada-${backend}@example.com`;
    const signUp = await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Ada Lovelace',
      email,
      password: 'correct horse battery',
    });
    expect(signUp.statusCode).toBe(200);
    expect(signUp.json()).toMatchObject({ user: { email, emailVerified: false } });
    const [account] = await t.db.database.db
      .select({ password: accounts.password })
      .from(accounts)
      .innerJoin(users, eq(users.id, accounts.userId))
      .where(eq(users.email, email));
    expect(account?.password).toMatch(/^\$argon2id\$/);
    // No session before the address is verified, and signing in waits for it too.
    expect(signUp.cookies.find((c) => c.name.endsWith('session_token'))).toBeUndefined();
    const early = await browser('POST', '/v1/auth/sign-in/email', {
      email,
      password: 'correct horse battery',
    });
    expect(early.statusCode).toBe(403);
    expect(problemOf(early)).toMatchObject({ reason: 'email_not_verified' });

    const mail = await smtp.waitFor(email);
    expect(mail.subject).toBe('Confirm your email address for Corebase');
    expect(mail.html).toContain('Confirm email address');
    const link = linkIn(mail, '/v1/auth/verify-email');
    const verified = await browser('GET', `${link.pathname}${link.search}`);
    expect(verified.statusCode).toBeLessThan(400);
    const cookie = verified.cookies.find((c) => c.name.endsWith('session_token'));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

    const session = await browser('GET', '/v1/auth/get-session');
    expect(session.json()).toMatchObject({ user: { email, emailVerified: true } });

    expect((await browser('POST', '/v1/auth/sign-out', {})).statusCode).toBe(200);
    expect((await browser('GET', '/v1/auth/get-session')).json()).toBeNull();

    const signIn = await browser('POST', '/v1/auth/sign-in/email', {
      email,
      password: 'correct horse battery',
    });
    expect(signIn.statusCode).toBe(200);
    expect((await browser('GET', '/v1/auth/get-session')).json()).toMatchObject({
      user: { email },
    });
  });

  it('refuses a weak password and a malformed email with 4xx problem+json, creating nothing', async () => {
    const browser = client(t);
    const short = await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Bob',
      email: `bob-${backend}@example.com`,
      password: 'xK9#q-7',
    });
    expect(short.statusCode).toBe(400);
    expect(problemOf(short)).toMatchObject({ code: 'bad_request', reason: 'password_too_short' });
    const malformed = await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Bob',
      email: 'not-an-email',
      password: 'long enough password',
    });
    expect(malformed.statusCode).toBe(400);
    expect(problemOf(malformed).code).toBe('bad_request');
    const signIn = await browser('POST', '/v1/auth/sign-in/email', {
      email: `bob-${backend}@example.com`,
      password: 'long enough password',
    });
    expect(signIn.statusCode).toBe(401);
  });

  it('answers sign-up of a taken address exactly like a new one', async () => {
    const taken = `taken-${backend}@example.com`;
    const first = await client(t)('POST', '/v1/auth/sign-up/email', {
      name: 'Taken',
      email: taken,
      password: 'taken long password',
    });
    const again = await client(t)('POST', '/v1/auth/sign-up/email', {
      name: 'Taken',
      email: taken,
      password: 'another long password',
    });
    const fresh = await client(t)('POST', '/v1/auth/sign-up/email', {
      name: 'Taken',
      email: `fresh-${backend}@example.com`,
      password: 'another long password',
    });
    expect([first.statusCode, again.statusCode, fresh.statusCode]).toEqual([200, 200, 200]);
    const shape = (r: TInjectResponse) =>
      JSON.stringify(r.json(), (key, value: unknown) =>
        ['id', 'email', 'createdAt', 'updatedAt'].includes(key) ? typeof value : value,
      );
    expect(shape(again)).toEqual(shape(fresh));
    expect(again.cookies).toEqual(fresh.cookies);
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const browser = client(t);
    const email = `carol-${backend}@example.com`;
    await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Carol',
      email,
      password: 'carols long password',
    });
    const wrong = await client(t)('POST', '/v1/auth/sign-in/email', {
      email,
      password: 'not her password!',
    });
    const unknown = await client(t)('POST', '/v1/auth/sign-in/email', {
      email: `nobody-${backend}@example.com`,
      password: 'not her password!',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const [a, b] = [problemOf(wrong), problemOf(unknown)];
    expect({ code: a.code, detail: a.detail, reason: a.reason }).toEqual({
      code: b.code,
      detail: b.detail,
      reason: b.reason,
    });
    expect(a).toMatchObject({ code: 'unauthenticated', reason: 'invalid_email_or_password' });
  });

  it('resets a password with a single-use token from the mailed link', async () => {
    const browser = client(t);
    const email = `dan-${backend}@example.com`;
    await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Dan',
      email,
      password: 'dans first password',
    });
    await followVerification(browser, email);

    const request = await client(t)('POST', '/v1/auth/request-password-reset', {
      email,
      redirectTo: '/reset-password',
    });
    expect(request.statusCode).toBe(200);
    const mail = await smtp.waitFor(email);
    expect(mail.subject).toBe('Reset your Corebase password');
    const link = linkIn(mail, '/v1/auth/reset-password/');
    const token = link.pathname.split('/').at(-1)!;

    const reset = await client(t)('POST', '/v1/auth/reset-password', {
      token,
      newPassword: 'dans second password',
    });
    expect(reset.statusCode).toBe(200);
    const again = await client(t)('POST', '/v1/auth/reset-password', {
      token,
      newPassword: 'dans third password!',
    });
    expect(again.statusCode).toBe(400);
    expect(problemOf(again).reason).toBe('invalid_token');

    const old = await client(t)('POST', '/v1/auth/sign-in/email', {
      email,
      password: 'dans first password',
    });
    expect(old.statusCode).toBe(401);
    const fresh = await client(t)('POST', '/v1/auth/sign-in/email', {
      email,
      password: 'dans second password',
    });
    expect(fresh.statusCode).toBe(200);

    // The answer for an unknown address is the same, and no mail goes out.
    const before = smtp.messages.length;
    const unknown = await client(t)('POST', '/v1/auth/request-password-reset', {
      email: `ghost-${backend}@example.com`,
      redirectTo: '/reset-password',
    });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toEqual(request.json());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.messages.length).toBe(before);
  });

  it('refuses an expired reset link and an expired verification link, changing nothing', async () => {
    const browser = client(t);
    const email = `erin-${backend}@example.com`;
    await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Erin',
      email,
      password: 'erins first password',
    });
    // Verification links are signed tokens valid one hour: one signed two hours ago is refused.
    const verifyLink = linkIn(await smtp.waitFor(email), '/v1/auth/verify-email');
    const stale = await new SignJWT({ email })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(t.config.AUTH_SECRET));
    const expiredVerify = await browser('GET', `/v1/auth/verify-email?token=${stale}`);
    expect(expiredVerify.statusCode).toBe(401);
    expect(problemOf(expiredVerify).reason).toBe('token_expired');
    const user = await t.services.tenancy.withPlatform((tx) =>
      t.services.identity.findUserByEmail(tx, email),
    );
    expect(user?.emailVerified).toBe(false);
    await browser('GET', `${verifyLink.pathname}${verifyLink.search}`);

    await client(t)('POST', '/v1/auth/request-password-reset', {
      email,
      redirectTo: '/reset-password',
    });
    const token = linkIn(await smtp.waitFor(email), '/v1/auth/reset-password/')
      .pathname.split('/')
      .at(-1)!;
    await t.services.tenancy.withPlatform((tx) =>
      tx
        .update(verifications)
        .set({ expiresAt: new Date(Date.now() - 1_000) })
        .where(eq(verifications.identifier, `reset-password:${token}`)),
    );
    const reset = await client(t)('POST', '/v1/auth/reset-password', {
      token,
      newPassword: 'erins second password',
    });
    expect(reset.statusCode).toBe(400);
    expect(problemOf(reset).reason).toBe('invalid_token');
    const signIn = await client(t)('POST', '/v1/auth/sign-in/email', {
      email,
      password: 'erins first password',
    });
    expect(signIn.statusCode).toBe(200);
  });

  it('records sign-ins, failed sign-ins and sign-outs in the audit log with IP and request id', async () => {
    const browser = client(t);
    const email = `eve-${backend}@example.com`;
    await signUpVerified(t, { name: 'Eve', email, password: 'eves long password' });
    const failed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/email',
      headers: { origin, 'x-request-id': `failed-${backend}`, 'user-agent': 'probe/1.0' },
      remoteAddress: '203.0.113.7',
      payload: { email, password: 'not the password' },
    });
    expect(failed.statusCode).toBe(401);
    await browser('POST', '/v1/auth/sign-in/email', { email, password: 'eves long password' });
    await browser('POST', '/v1/auth/sign-out', {});

    const rows = await t.services.tenancy.withMaintenance((tx) =>
      tx
        .select()
        .from(auditLog)
        .where(
          sql`${auditLog.after}->>'email' = ${email} or ${auditLog.actorId} in (select id from users where email = ${email})`,
        ),
    );
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'auth.signed_up',
        'auth.sign_in_failed',
        'auth.signed_in',
        'auth.signed_out',
      ]),
    );
    const failure = rows.find((r) => r.action === 'auth.sign_in_failed');
    expect(failure).toMatchObject({
      orgId: null,
      ip: '203.0.113.7',
      userAgent: 'probe/1.0',
      requestId: `failed-${backend}`,
      after: { email, reason: 'INVALID_EMAIL_OR_PASSWORD' },
    });
    expect(JSON.stringify(rows)).not.toContain('not the password');
    expect(JSON.stringify(rows)).not.toContain('eves long password');
  });

  it('refuses passwords from leak lists', async () => {
    const response = await client(t)('POST', '/v1/auth/sign-up/email', {
      name: 'Frank',
      email: `frank-${backend}@example.com`,
      password: 'qwertyuiop',
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response)).toMatchObject({
      code: 'bad_request',
      reason: 'password_too_common',
    });
  });

  it('locks an address after repeated failures, the same for unknown addresses, until a reset', async () => {
    const email = `gina-${backend}@example.com`;
    await client(t)('POST', '/v1/auth/sign-up/email', {
      name: 'Gina',
      email,
      password: 'ginas long password',
    });
    await followVerification(client(t), email);
    const attempt = (address: string, password: string) =>
      client(t)('POST', '/v1/auth/sign-in/email', { email: address, password });
    const ghost = `ghost-lock-${backend}@example.com`;
    for (let i = 0; i < 3; i++) {
      expect((await attempt(email, 'wrong password!')).statusCode).toBe(401);
      expect((await attempt(ghost, 'wrong password!')).statusCode).toBe(401);
    }
    // Locked: even the right password is refused, and an unknown address answers alike.
    const locked = await attempt(email, 'ginas long password');
    const lockedGhost = await attempt(ghost, 'anything at all');
    expect(locked.statusCode).toBe(429);
    expect(problemOf(locked)).toMatchObject({ code: 'rate_limited', reason: 'account_locked' });
    expect(lockedGhost.statusCode).toBe(429);
    expect(problemOf(lockedGhost).reason).toBe('account_locked');

    // Unlock by email: the reset link clears the lock.
    await client(t)('POST', '/v1/auth/request-password-reset', {
      email,
      redirectTo: '/reset-password',
    });
    const token = linkIn(await smtp.waitFor(email), '/v1/auth/reset-password/')
      .pathname.split('/')
      .at(-1)!;
    const reset = await client(t)('POST', '/v1/auth/reset-password', {
      token,
      newPassword: 'ginas new password',
    });
    expect(reset.statusCode).toBe(200);
    expect((await attempt(email, 'ginas new password')).statusCode).toBe(200);
  });

  it('limits credential endpoints per IP apart from the general API budget', async () => {
    const limited = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '1000', RATE_LIMIT_AUTH_MAX: '2' },
    });
    try {
      const ip = `198.51.100.${backend === 'pglite' ? 10 : 11}`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await limited.app.inject({
          method: 'POST',
          url: '/v1/auth/sign-in/email',
          remoteAddress: ip,
          payload: { email: 'x@example.com', password: 'whatever password' },
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([401, 401, 429]);
      // One budget for every credential endpoint, not one each.
      const reset = await limited.app.inject({
        method: 'POST',
        url: '/v1/auth/request-password-reset',
        remoteAddress: ip,
        payload: { email: 'x@example.com', redirectTo: '/reset-password' },
      });
      expect(reset.statusCode).toBe(429);
      expect(reset.json()).toMatchObject({ code: 'rate_limited' });
      // Other endpoints and routes still answer for that client.
      expect(
        (await limited.app.inject({ url: '/v1/auth/get-session', remoteAddress: ip })).statusCode,
      ).toBe(200);
      expect((await limited.app.inject({ url: '/v1/meta', remoteAddress: ip })).statusCode).toBe(
        200,
      );
    } finally {
      await limited.close();
    }
  });

  it('limits attempts per account whichever IPs they come from, apart from other accounts', async () => {
    const limited = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '1000', RATE_LIMIT_AUTH_MAX: '1000', RATE_LIMIT_ACCOUNT_MAX: '3' },
    });
    try {
      const attempt = (email: string, i: number) =>
        limited.app.inject({
          method: 'POST',
          url: '/v1/auth/request-password-reset',
          // A botnet: every attempt from a new address.
          remoteAddress: `203.0.113.${i + 1}`,
          payload: { email, redirectTo: '/reset-password' },
        });
      const statuses: number[] = [];
      // Upper case does not make another account.
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await attempt(i % 2 ? 'Target@Example.com' : 'target@example.com', i)).statusCode,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await attempt('target@example.com', 10);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json()).toMatchObject({ code: 'rate_limited' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Sign-up for that address counts too; sign-in does not (the lockout counts its failures),
      // so spending the budget cannot keep the owner of the address out.
      const signUp = await limited.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-up/email',
        remoteAddress: '203.0.113.98',
        payload: { name: 'T', email: 'target@example.com', password: 'whatever password 1' },
      });
      expect(signUp.statusCode).toBe(429);
      const signIn = await limited.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in/email',
        remoteAddress: '203.0.113.99',
        payload: { email: 'target@example.com', password: 'whatever password' },
      });
      expect(signIn.statusCode).toBe(401);
      expect((await attempt('bystander@example.com', 20)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('refuses oversized names and malformed slugs, and changes nothing', async () => {
    const user = await signUpVerified(t, {
      name: 'Sizes',
      email: `sizes-${backend}@example.com`,
      password: 'sizes long password',
    });
    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: user.headers, payload });
    for (const [url, body, field] of [
      ['/v1/auth/update-user', { name: 'x'.repeat(101) }, 'name'],
      ['/v1/auth/update-user', { name: '   ' }, 'name'],
      ['/v1/auth/update-user', { image: `https://example.com/${'x'.repeat(2100)}` }, 'image'],
      ['/v1/auth/organization/create', { name: 'Fine', slug: 'Not A Slug' }, 'slug'],
      ['/v1/auth/organization/create', { name: 'y'.repeat(300), slug: 'fine' }, 'name'],
    ] as const) {
      const response = await post(url, body);
      expect(response.statusCode, `${url} ${response.body}`).toBe(400);
      expect(response.json()).toMatchObject({ code: 'validation_failed', errors: [{ field }] });
    }
    const signUp = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up/email',
      headers: { origin },
      payload: {
        name: 'z'.repeat(5000),
        email: `huge-${backend}@example.com`,
        password: 'huge long password',
      },
    });
    expect(signUp.statusCode).toBe(400);
    const session = await t.app.inject({ url: '/v1/auth/get-session', headers: user.headers });
    expect(session.json()).toMatchObject({ user: { name: 'Sizes' } });
    const found = await t.services.tenancy.withPlatform((tx) =>
      t.services.identity.findUserByEmail(tx, `huge-${backend}@example.com`),
    );
    expect(found).toBeUndefined();
  });

  it('refuses malformed ids and redirect targets with a 400 naming the field', async () => {
    const user = await signUpVerified(t, {
      name: 'Ids',
      email: `ids-${backend}@example.com`,
      password: 'ids long password',
    });
    const browser = (method: 'GET' | 'POST', url: string, payload?: object) =>
      t.app.inject({ method, url, headers: user.headers, ...(payload ? { payload } : {}) });
    for (const [method, url, body, field] of [
      ['GET', '/v1/auth/verify-email?token=x&callbackURL=not-a-url', undefined, 'callbackURL'],
      [
        'GET',
        '/v1/auth/verify-email?token=x&callbackURL=//evil.example.net',
        undefined,
        'callbackURL',
      ],
      [
        'POST',
        '/v1/auth/request-password-reset',
        { email: 'a@example.com', redirectTo: 'javascript:alert(1)' },
        'redirectTo',
      ],
      ['POST', '/v1/auth/organization/accept-invitation', { invitationId: 'nope' }, 'invitationId'],
      ['POST', '/v1/auth/organization/set-active', { organizationId: 42 }, 'organizationId'],
      [
        'GET',
        '/v1/auth/verify-email?token=x&callbackURL=/%09/evil.example.net',
        undefined,
        'callbackURL',
      ],
    ] as const) {
      const response = await browser(method, url, body);
      expect(response.statusCode, `${url} ${response.body}`).toBe(400);
      expect(response.json()).toMatchObject({ code: 'validation_failed', errors: [{ field }] });
    }
  });

  it('changes the email address only after the old mailbox approves and the new one verifies', async () => {
    const browser = client(t);
    const email = `hal-${backend}@example.com`;
    const newEmail = `hal-new-${backend}@example.com`;
    await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Hal',
      email,
      password: 'hals long password',
    });
    await followVerification(browser, email);

    const change = await browser('POST', '/v1/auth/change-email', { newEmail, callbackURL: '/' });
    expect(change.statusCode).toBe(200);
    const approval = await smtp.waitFor(email);
    expect(approval.subject).toBe('Approve the new email address of your Corebase account');
    // Nothing changes before both steps.
    expect((await browser('GET', '/v1/auth/get-session')).json()).toMatchObject({
      user: { email },
    });

    const approve = linkIn(approval, '/v1/auth/verify-email');
    await browser('GET', `${approve.pathname}${approve.search}`);
    const verification = linkIn(await smtp.waitFor(newEmail), '/v1/auth/verify-email');
    await browser('GET', `${verification.pathname}${verification.search}`);
    expect((await browser('GET', '/v1/auth/get-session')).json()).toMatchObject({
      user: { email: newEmail, emailVerified: true },
    });
  });

  it('keeps the address when another account took the new one before its verification link is opened', async () => {
    const browser = client(t);
    const email = `lou-${backend}@example.com`;
    const newEmail = `lou-new-${backend}@example.com`;
    await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Lou',
      email,
      password: 'lous long password',
    });
    await followVerification(browser, email);
    expect(
      (await browser('POST', '/v1/auth/change-email', { newEmail, callbackURL: '/' })).statusCode,
    ).toBe(200);
    const approve = linkIn(await smtp.waitFor(email), '/v1/auth/verify-email');
    await browser('GET', `${approve.pathname}${approve.search}`);
    const verification = linkIn(await smtp.waitFor(newEmail), '/v1/auth/verify-email');

    // Meanwhile somebody signs up with the new address.
    const other = client(t);
    await other('POST', '/v1/auth/sign-up/email', {
      name: 'Kim',
      email: newEmail,
      password: 'kims long password',
    });
    await followVerification(other, newEmail);

    const url = new URL(verification);
    url.searchParams.delete('callbackURL');
    const late = await browser('GET', `${url.pathname}${url.search}`);
    expect(late.statusCode, late.body).toBe(409);
    expect(problemOf(late)).toMatchObject({ code: 'conflict', reason: 'email_taken' });
    expect((await browser('GET', '/v1/auth/get-session')).json()).toMatchObject({
      user: { email },
    });
  });

  it('updates the profile: name, time zone and locale', async () => {
    const browser = client(t);
    const email = `ivy-${backend}@example.com`;
    await browser('POST', '/v1/auth/sign-up/email', {
      name: 'Ivy',
      email,
      password: 'ivys long password',
    });
    await followVerification(browser, email);
    const update = await browser('POST', '/v1/auth/update-user', {
      name: 'Ivy Q.',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
    });
    expect(update.statusCode).toBe(200);
    expect((await browser('GET', '/v1/auth/get-session')).json()).toMatchObject({
      user: { name: 'Ivy Q.', timeZone: 'Europe/Paris', locale: 'fr-FR' },
    });
    const badZone = await browser('POST', '/v1/auth/update-user', { timeZone: 'Mars/Olympus' });
    expect(badZone.statusCode).toBe(400);
    expect(problemOf(badZone)).toMatchObject({ reason: 'invalid_time_zone' });
    const badLocale = await browser('POST', '/v1/auth/update-user', { locale: 'not a locale!' });
    expect(problemOf(badLocale)).toMatchObject({ reason: 'invalid_locale' });
    // Refused changes changed nothing.
    expect((await browser('GET', '/v1/auth/get-session')).json()).toMatchObject({
      user: { timeZone: 'Europe/Paris', locale: 'fr-FR' },
    });
  });

  it('mails an alert for a sign-in from a device none of the user’s sessions has', async () => {
    const email = `jo-${backend}@example.com`;
    await signUpVerified(t, { name: 'Jo', email, password: 'jos long password' });
    await smtp.waitFor(email); // verification mail of the sign-up
    await smtp.waitFor(email); // the factory's sign-in was from a first device
    const signInFrom = (device: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in/email',
        headers: { origin, 'user-agent': device },
        payload: { email, password: 'jos long password' },
      });
    expect((await signInFrom('Jo Laptop')).statusCode).toBe(200);
    const alert = await smtp.waitFor(email);
    expect(alert.subject).toBe('New sign-in to your Corebase account');
    expect(alert.text).toContain('Jo Laptop');
    expect(alert.text).toContain('127.0.0.1');

    // The same device again: no alert.
    const before = smtp.messages.length;
    expect((await signInFrom('Jo Laptop')).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.messages.length).toBe(before);
  });
});
