import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import {
  startOAuthFakes,
  type TGithubUser,
  type TGoogleUser,
  type TOAuthFakes,
} from '#test/oauth-fakes';
import { signUpVerified } from '#test/personas';

const origin = 'http://localhost:3000';

type TInjected = Awaited<ReturnType<TTestApp['app']['inject']>>;
const cookiesOf = (response: TInjected) =>
  response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

/*
 * Google and GitHub have their endpoints written into better-auth, so their hosts are sent to a
 * local fake through undici's global dispatcher: the real better-auth code talks HTTP to them.
 */
describe.each(testBackends())('Google and GitHub sign-in on %s', (backend) => {
  let t: TTestApp;
  let fakes: TOAuthFakes;

  beforeAll(async () => {
    fakes = await startOAuthFakes();
    t = await createTestApp(backend, {
      env: {
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
        GOOGLE_CLIENT_ID: fakes.google.clientId,
        GOOGLE_CLIENT_SECRET: fakes.google.clientSecret,
        GITHUB_CLIENT_ID: fakes.github.clientId,
        GITHUB_CLIENT_SECRET: fakes.github.clientSecret,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await fakes?.close();
  });

  const signIn = async (provider: 'google' | 'github', user: TGoogleUser | TGithubUser) => {
    const start = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/social',
      headers: { origin },
      payload: { provider, callbackURL: '/account' },
    });
    expect(start.statusCode, start.body).toBe(200);
    const authorizationUrl = new URL(start.json<{ url: string }>().url);
    const { code, state } = fakes.consent(authorizationUrl.toString(), user);
    const callback = await t.app.inject({
      url: `/v1/auth/callback/${provider}?code=${code}&state=${encodeURIComponent(state)}`,
      headers: { cookie: cookiesOf(start) },
    });
    return { authorizationUrl, callback, cookie: cookiesOf(callback) };
  };
  const sessionOf = async (cookie: string) =>
    (await t.app.inject({ url: '/v1/auth/get-session', headers: { cookie } })).json<{
      user: { id: string; email: string; name: string; emailVerified: boolean };
    } | null>();

  it('offers both providers on the sign-in page', async () => {
    const response = await t.app.inject({ url: '/v1/auth/providers' });
    expect(
      response
        .json<{ providers: { id: string }[] }>()
        .providers.map((p) => p.id)
        .sort(),
    ).toEqual(['github', 'google']);
  });

  it('signs in with Google: code + PKCE at Google, the ID token read from the token answer', async () => {
    const user: TGoogleUser = {
      sub: `g-${backend}-1`,
      email: `gina-${backend}@gmail.test`,
      email_verified: true,
      name: 'Gina',
    };
    const { authorizationUrl, callback, cookie } = await signIn('google', user);
    expect(authorizationUrl.host).toBe('accounts.google.com');
    expect(authorizationUrl.searchParams.get('client_id')).toBe(fakes.google.clientId);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(
      `${origin}/v1/auth/callback/google`,
    );
    expect(callback.statusCode, callback.body).toBe(302);
    expect(callback.headers.location).toBe('/account');
    expect(await sessionOf(cookie)).toMatchObject({
      user: { email: user.email, name: 'Gina', emailVerified: true },
    });
    const exchange = fakes.tokenRequests.filter((r) => r.host === 'oauth2.googleapis.com').at(-1)!;
    expect(exchange.body.get('code_verifier')).toBeTruthy();
  });

  it('signs in with a Google ID token verified against Google certs, and refuses forged ones', async () => {
    const user: TGoogleUser = {
      sub: `g-${backend}-2`,
      email: `idt-${backend}@gmail.test`,
      email_verified: true,
      name: 'Id Token',
    };
    const withToken = (token: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in/social',
        headers: { origin },
        payload: { provider: 'google', idToken: { token } },
      });
    const ok = await withToken(await fakes.googleIdToken(user));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ redirect: false, user: { email: user.email } });

    for (const forged of [
      await fakes.googleIdToken(user, { foreignKey: true }),
      await fakes.googleIdToken(user, { audience: 'someone-else.apps.test' }),
    ]) {
      const refused = await withToken(forged);
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.cookies.filter((c) => c.name.endsWith('session_token') && c.value)).toEqual(
        [],
      );
    }
  });

  it('creates no account from an address the provider has not verified', async () => {
    const email = `unverified-${backend}@gmail.test`;
    const user: TGoogleUser = { sub: `g-${backend}-3`, email, email_verified: false, name: 'U' };
    const byToken = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/social',
      headers: { origin },
      payload: { provider: 'google', idToken: { token: await fakes.googleIdToken(user) } },
    });
    expect(byToken.statusCode).toBe(403);
    expect(byToken.json()).toMatchObject({ reason: 'email_not_verified' });
    const byCode = await signIn('github', {
      id: backend === 'pglite' ? 707 : 808,
      login: `unverified-${backend}`,
      name: 'U',
      emails: [{ email, primary: true, verified: false }],
    });
    expect(byCode.callback.statusCode).toBe(302);
    expect(byCode.callback.headers.location).toMatch(/\/sign-in\?error=/);
    expect(await sessionOf(byCode.cookie)).toBeNull();
    const [row] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, email)),
    );
    expect(row).toBeUndefined();
  });

  it('signs in with GitHub, reading the verified primary address from /user/emails', async () => {
    const user: TGithubUser = {
      id: backend === 'pglite' ? 101 : 202,
      login: `octo-${backend}`,
      name: 'Octo Cat',
      emails: [
        { email: `octo-${backend}@old.test`, primary: false, verified: true },
        { email: `octo-${backend}@github.test`, primary: true, verified: true },
      ],
    };
    const { authorizationUrl, callback, cookie } = await signIn('github', user);
    expect(authorizationUrl.host).toBe('github.com');
    expect(authorizationUrl.searchParams.get('scope')).toContain('user:email');
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/account');
    expect(await sessionOf(cookie)).toMatchObject({
      user: { email: `octo-${backend}@github.test`, name: 'Octo Cat', emailVerified: true },
    });
  });

  it('links GitHub to an existing account only when GitHub has verified the address', async () => {
    const email = `dana-${backend}@corp.test`;
    const local = await signUpVerified(t, {
      name: 'Dana',
      email,
      password: 'correct-horse-battery-9',
    });
    const unverified = await signIn('github', {
      id: backend === 'pglite' ? 303 : 404,
      login: `dana-fake-${backend}`,
      name: 'Not Dana',
      emails: [{ email, primary: true, verified: false }],
    });
    expect(unverified.callback.statusCode).toBe(302);
    expect(unverified.callback.headers.location).toMatch(/\/sign-in\?error=/);
    expect(await sessionOf(unverified.cookie)).toBeNull();

    const verified = await signIn('github', {
      id: backend === 'pglite' ? 505 : 606,
      login: `dana-${backend}`,
      name: 'Dana',
      emails: [{ email, primary: true, verified: true }],
    });
    expect((await sessionOf(verified.cookie))?.user.id).toBe(local.userId);
    const accounts = await t.app.inject({ url: '/v1/auth/list-accounts', headers: local.headers });
    expect(
      accounts
        .json<{ providerId: string }[]>()
        .map((a) => a.providerId)
        .sort(),
    ).toEqual(['credential', 'github']);
  });

  it('answers a bad provider name with a 4xx problem, not a redirect to nowhere', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/social',
      headers: { origin },
      payload: { provider: 'myspace', callbackURL: '/account' },
    });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
