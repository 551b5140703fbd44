import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import { accounts, users } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { startIdp, type TIdp } from '#test/oidc-provider';
import { signUpVerified } from '#test/personas';
import { linkIn, startSmtpSink, type TSmtpSink } from '#test/smtp';
import { totpCode } from '#test/totp';

const origin = 'http://localhost:3000';
const callbackUri = `${origin}/v1/auth/callback/acme`;

type TInjected = Awaited<ReturnType<TTestApp['app']['inject']>>;
const cookiesOf = (response: TInjected) =>
  response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

describe.each(testBackends())('OpenID Connect sign-in on %s', (backend) => {
  let t: TTestApp;
  let idp: TIdp;
  let smtp: TSmtpSink;

  beforeAll(async () => {
    idp = await startIdp({ redirectUris: [callbackUri] });
    smtp = await startSmtpSink();
    t = await createTestApp(backend, {
      env: {
        SMTP_URL: smtp.url,
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
        OIDC_PROVIDERS: JSON.stringify([
          {
            id: 'acme',
            name: 'Acme SSO',
            issuer: idp.issuer,
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
            emailDomains: ['acme.test'],
          },
        ]),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
    await smtp?.close();
  });

  const auditOf = (action: string) =>
    t.services.tenancy.withMaintenance((tx) =>
      tx.select().from(auditLog).where(eq(auditLog.action, action)),
    );

  /** The whole browser round trip: our sign-in, the provider's pages, our callback. */
  const signInWithIdp = async (login: string, headers: Record<string, string> = { origin }) => {
    const start = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/social',
      headers,
      payload: { provider: 'acme', callbackURL: '/account' },
    });
    expect(start.statusCode, start.body).toBe(200);
    const { url } = start.json<{ url: string }>();
    const back = await idp.authorize(url, login);
    const callback = await t.app.inject({
      url: `${back.pathname}${back.search}`,
      headers: { cookie: [cookiesOf(start), headers.cookie].filter(Boolean).join('; ') },
    });
    return { start, authorizationUrl: new URL(url), back, callback };
  };

  it('lists the provider for the sign-in page', async () => {
    const response = await t.app.inject({ url: '/v1/auth/providers' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      password: true,
      providers: [{ id: 'acme', name: 'Acme SSO', type: 'oidc' }],
    });
  });

  it('signs a new person in with authorization code + PKCE and creates their account', async () => {
    idp.accounts.set('ada', {
      sub: 'ada',
      email: `ada-${backend}@acme.test`,
      emailVerified: true,
      name: 'Ada Lovelace',
    });
    const before = idp.tokenRequests.length;
    const { authorizationUrl, back, callback } = await signInWithIdp('ada');
    // PKCE (S256) and a nonce went out; the verifier came back with the code.
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('code_challenge')).toBeTruthy();
    expect(authorizationUrl.searchParams.get('nonce')).toBeTruthy();
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(idp.tokenRequests.slice(before).some((r) => r.get('code_verifier'))).toBe(true);

    expect(callback.statusCode, callback.body).toBe(302);
    expect(callback.headers.location).toBe('/account');
    const session = cookiesOf(callback);
    expect(session).toMatch(/session_token=/);
    const me = await t.app.inject({ url: '/v1/auth/get-session', headers: { cookie: session } });
    expect(me.json()).toMatchObject({
      user: { email: `ada-${backend}@acme.test`, name: 'Ada Lovelace', emailVerified: true },
    });
    const linked = await t.app.inject({
      url: '/v1/auth/list-accounts',
      headers: { cookie: session },
    });
    expect(linked.json<{ providerId: string; accountId: string }[]>()).toEqual([
      expect.objectContaining({ providerId: 'acme', accountId: 'ada' }),
    ]);
    // The provider's tokens are stored encrypted, never as issued.
    const [stored] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(accounts).where(eq(accounts.accountId, 'ada')),
    );
    expect(stored!.accessToken).toBeTruthy();
    // (The access token as the provider issued it is opaque; stored, it is an encryption.)
    expect(stored!.accessToken).toMatch(/^(\$ba\$\d+\$)?[0-9a-f]{64,}$/);
    // Audited as a sign-in through the provider.
    const audit = await auditOf('auth.signed_in');
    expect(audit.map((e) => e.after)).toContainEqual(
      expect.objectContaining({ method: 'oauth', provider: 'acme' }),
    );
  });

  it('links to an existing account by verified address, and the person can unlink it', async () => {
    const email = `grace-${backend}@acme.test`;
    const local = await signUpVerified(t, {
      name: 'Grace',
      email,
      password: 'correct-horse-battery-1',
    });
    idp.accounts.set('grace', { sub: 'grace', email, emailVerified: true, name: 'Grace H.' });
    const { callback } = await signInWithIdp('grace');
    expect(callback.statusCode).toBe(302);
    const session = cookiesOf(callback);
    const me = await t.app.inject({ url: '/v1/auth/get-session', headers: { cookie: session } });
    expect(me.json<{ user: { id: string } }>().user.id).toBe(local.userId);
    const listed = await t.app.inject({ url: '/v1/auth/list-accounts', headers: local.headers });
    const methods = listed.json<{ id: string; providerId: string }[]>();
    expect(methods.map((a) => a.providerId).sort()).toEqual(['acme', 'credential']);
    const audit = await auditOf('auth.sign_in_method_added');
    expect(audit).toContainEqual(expect.objectContaining({ actorId: local.userId }));

    const unlink = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/unlink-account',
      headers: local.headers,
      payload: { accountId: methods.find((a) => a.providerId === 'acme')!.id },
    });
    expect(unlink.statusCode, unlink.body).toBe(200);
    const after = await t.app.inject({ url: '/v1/auth/list-accounts', headers: local.headers });
    expect(after.json<{ providerId: string }[]>().map((a) => a.providerId)).toEqual(['credential']);
    const removed = await auditOf('auth.sign_in_method_removed');
    expect(removed.at(-1)?.after).toMatchObject({ providerId: 'acme' });
  });

  it('never unlinks the last way to sign in', async () => {
    idp.accounts.set('solo', {
      sub: 'solo',
      email: `solo-${backend}@acme.test`,
      emailVerified: true,
      name: 'Solo',
    });
    const { callback } = await signInWithIdp('solo');
    const headers = { origin, cookie: cookiesOf(callback) };
    const [only] = (await t.app.inject({ url: '/v1/auth/list-accounts', headers })).json<
      { id: string }[]
    >();
    const unlink = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/unlink-account',
      headers,
      payload: { accountId: only!.id },
    });
    expect(unlink.statusCode).toBe(400);
    expect(unlink.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unlink.json()).toMatchObject({ reason: 'failed_to_unlink_last_account' });
    const listed = await t.app.inject({ url: '/v1/auth/list-accounts', headers });
    expect(listed.json()).toHaveLength(1);
  });

  it('lets a provider-only user add a password through a reset, then unlink the provider', async () => {
    const email = `only-sso-${backend}@acme.test`;
    idp.accounts.set('only-sso', { sub: 'only-sso', email, emailVerified: true, name: 'Only' });
    const { callback } = await signInWithIdp('only-sso');
    const headers = { origin, cookie: cookiesOf(callback) };
    const request = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/request-password-reset',
      headers: { origin },
      payload: { email, redirectTo: '/reset-password' },
    });
    expect(request.statusCode).toBe(200);
    const token = linkIn(await smtp.waitFor(email), '/v1/auth/reset-password/')
      .pathname.split('/')
      .at(-1)!;
    const reset = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/reset-password',
      headers: { origin },
      payload: { token, newPassword: 'a brand new password 1' },
    });
    expect(reset.statusCode, reset.body).toBe(200);
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/email',
      headers: { origin },
      payload: { email, password: 'a brand new password 1' },
    });
    expect(signIn.statusCode).toBe(200);
    const fresh = { origin, cookie: cookiesOf(signIn) };
    const methods = (await t.app.inject({ url: '/v1/auth/list-accounts', headers: fresh })).json<
      { id: string; providerId: string }[]
    >();
    expect(methods.map((m) => m.providerId).sort()).toEqual(['acme', 'credential']);
    // The reset ended the provider session; the password one may now drop the provider.
    expect((await t.app.inject({ url: '/v1/auth/get-session', headers })).json()).toBeNull();
    const unlink = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/unlink-account',
      headers: fresh,
      payload: { accountId: methods.find((m) => m.providerId === 'acme')!.id },
    });
    expect(unlink.statusCode, unlink.body).toBe(200);
  });

  it('does not link to an account whose address the provider has not verified', async () => {
    const email = `mallory-target-${backend}@acme.test`;
    const victim = await signUpVerified(t, {
      name: 'Victim',
      email,
      password: 'correct-horse-battery-2',
    });
    idp.accounts.set('mallory', { sub: 'mallory', email, emailVerified: false, name: 'M' });
    const { callback } = await signInWithIdp('mallory');
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toMatch(/\/sign-in\?error=/);
    expect(cookiesOf(callback)).not.toMatch(/session_token=[^;]/);
    const linked = await t.services.tenancy.withPlatform((tx) =>
      tx
        .select()
        .from(accounts)
        .where(and(eq(accounts.userId, victim.userId), eq(accounts.providerId, 'acme'))),
    );
    expect(linked).toHaveLength(0);
  });

  it('links the provider from the account page (link-social) for the signed-in user', async () => {
    const email = `linker-${backend}@acme.test`;
    const local = await signUpVerified(t, {
      name: 'Linker',
      email,
      password: 'correct-horse-battery-3',
    });
    idp.accounts.set('linker', { sub: 'linker', email, emailVerified: true, name: 'Linker' });
    const start = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/link-social',
      headers: local.headers,
      payload: { provider: 'acme', callbackURL: '/account' },
    });
    expect(start.statusCode, start.body).toBe(200);
    const back = await idp.authorize(start.json<{ url: string }>().url, 'linker');
    const callback = await t.app.inject({
      url: `${back.pathname}${back.search}`,
      headers: { cookie: `${cookiesOf(start)}; ${local.cookie}` },
    });
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/account');
    const [user] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(users).where(eq(users.id, local.userId)),
    );
    expect(user).toBeTruthy();
    const listed = await t.app.inject({ url: '/v1/auth/list-accounts', headers: local.headers });
    expect(
      listed
        .json<{ providerId: string }[]>()
        .map((a) => a.providerId)
        .sort(),
    ).toEqual(['acme', 'credential']);
  });

  it('asks a user with two-factor on for their code after the provider, as after a password', async () => {
    const email = `tfa-${backend}@acme.test`;
    const password = 'correct-horse-battery-4';
    const local = await signUpVerified(t, { name: 'Tfa', email, password });
    const enable = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/two-factor/enable',
      headers: local.headers,
      payload: { password },
    });
    const { totpURI } = enable.json<{ totpURI: string }>();
    const confirm = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/two-factor/verify-totp',
      headers: local.headers,
      payload: { code: totpCode(totpURI) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    idp.accounts.set('tfa', { sub: 'tfa', email, emailVerified: true, name: 'Tfa' });

    const { callback } = await signInWithIdp('tfa');
    // The provider vouched for the person; the second factor still stands between them and a session.
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe(`${origin}/sign-in?two-factor=required`);
    expect(callback.cookies.filter((c) => c.name.endsWith('session_token') && c.value)).toEqual([]);
    const challenge = callback.cookies.find((c) => c.name.endsWith('two_factor'));
    expect(challenge?.value).toBeTruthy();
    const [challenged] = (await auditOf('auth.two_factor_challenged')).filter(
      (e) => e.actorId === local.userId,
    );
    expect(challenged?.after).toMatchObject({ provider: 'acme' });

    const wrong = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/two-factor/verify-totp',
      headers: { origin, cookie: `${challenge!.name}=${challenge!.value}` },
      payload: { code: totpCode(totpURI, 5) },
    });
    expect(wrong.statusCode).toBe(401);
    const verified = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/two-factor/verify-totp',
      headers: { origin, cookie: `${challenge!.name}=${challenge!.value}` },
      payload: { code: totpCode(totpURI, 1) },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    const me = await t.app.inject({
      url: '/v1/auth/get-session',
      headers: { cookie: cookiesOf(verified) },
    });
    expect(me.json<{ user: { id: string } }>().user.id).toBe(local.userId);
  });

  it('vouches for addresses of its own domains only: another domain is neither linked nor created', async () => {
    const email = `outsider-${backend}@elsewhere.test`;
    const local = await signUpVerified(t, {
      name: 'Out',
      email,
      password: 'correct-horse-battery-5',
    });
    idp.accounts.set('outsider', { sub: 'outsider', email, emailVerified: true, name: 'Out' });
    const { callback } = await signInWithIdp('outsider');
    expect(callback.headers.location).toMatch(/\/sign-in\?error=/);
    expect(cookiesOf(callback)).not.toMatch(/session_token=[^;]/);
    const linked = await t.app.inject({ url: '/v1/auth/list-accounts', headers: local.headers });
    expect(linked.json<{ providerId: string }[]>().map((a) => a.providerId)).toEqual([
      'credential',
    ]);
    const newcomer = `newcomer-${backend}@elsewhere.test`;
    idp.accounts.set('newcomer', {
      sub: 'newcomer',
      email: newcomer,
      emailVerified: true,
      name: 'N',
    });
    expect((await signInWithIdp('newcomer')).callback.headers.location).toMatch(/error=/);
    const [row] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, newcomer)),
    );
    expect(row).toBeUndefined();
  });

  it('takes no ID token handed in for this provider, and signs out without a provider logout URL', async () => {
    idp.accounts.set('hint', {
      sub: 'hint',
      email: `hint-${backend}@acme.test`,
      emailVerified: true,
      name: 'H',
    });
    const { callback } = await signInWithIdp('hint');
    const [stored] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(accounts).where(eq(accounts.accountId, 'hint')),
    );
    const replay = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/social',
      headers: { origin },
      payload: { provider: 'acme', idToken: { token: stored!.idToken } },
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ reason: 'id_token_sign_in_not_supported' });
    const signOut = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-out',
      headers: { origin, cookie: cookiesOf(callback) },
    });
    expect(signOut.statusCode).toBe(200);
    expect(signOut.body).not.toContain('id_token_hint');
  });

  it('refuses a callback whose state it did not issue', async () => {
    idp.accounts.set('eve', {
      sub: 'eve',
      email: `eve-${backend}@acme.test`,
      emailVerified: true,
      name: 'Eve',
    });
    const start = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/social',
      headers: { origin },
      payload: { provider: 'acme', callbackURL: '/account' },
    });
    const back = await idp.authorize(start.json<{ url: string }>().url, 'eve');
    // Replayed without the browser's state cookie (another browser, a forged link).
    const replay = await t.app.inject({ url: `${back.pathname}${back.search}` });
    expect(replay.statusCode).toBe(302);
    expect(replay.headers.location).toMatch(/error=/);
    expect(cookiesOf(replay)).not.toMatch(/session_token=[^;]/);
  });
});

describe('an OpenID Connect provider that cannot be reached at start', () => {
  it('is left out of the sign-in methods, and asking for it is a 4xx problem', async () => {
    // A port nothing listens on: discovery fails, so the provider is not used.
    const closed = await startIdp({ redirectUris: [callbackUri] });
    await closed.close();
    const t = await createTestApp('pglite', {
      env: {
        OIDC_PROVIDERS: JSON.stringify([
          { id: 'down', name: 'Down', issuer: closed.issuer, clientId: 'x', clientSecret: 'y' },
        ]),
      },
    });
    try {
      const methods = await t.app.inject({ url: '/v1/auth/providers' });
      expect(methods.json()).toEqual({ password: true, providers: [] });
      const start = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in/social',
        headers: { origin },
        payload: { provider: 'down', callbackURL: '/account' },
      });
      expect(start.statusCode).toBeGreaterThanOrEqual(400);
      expect(start.statusCode).toBeLessThan(500);
      expect(start.headers['content-type']).toMatch(/application\/problem\+json/);
    } finally {
      await t.close();
    }
  });
});
