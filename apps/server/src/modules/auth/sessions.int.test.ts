import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { sessions } from '#server/modules/identity/identity.schema';
import { buildWorld, signUpVerified, type TWorld } from '#test/personas';

const origin = 'http://localhost:3000';

/** An unsafe route any signed-in caller may use: what CSRF protection must guard. */
const probe: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/csrf-probe',
    {
      config: { permission: 'authenticated' },
      schema: { response: { 200: z.object({ userId: z.string() }) } },
    },
    async (request) => ({ userId: request.principal!.userId }),
  );
};

describe.each(testBackends())('sessions, CSRF and account deletion on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
      extraRoutes: [probe],
    });
    world = await buildWorld(t, `sessions-${backend}`);
  });
  afterAll(() => t?.close());

  const signIn = async (email: string, password: string, userAgent: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/email',
      headers: { origin, 'user-agent': userAgent },
      payload: { email, password },
    });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name.endsWith('session_token'))!;
    return {
      cookie: `${cookie.name}=${cookie.value}`,
      bearer: String(response.headers['set-auth-token']),
    };
  };

  it('refuses cookie-authenticated unsafe requests from another origin; bearer calls are exempt', async () => {
    const { cookie } = world.personas.member.headers as { cookie: string };
    const post = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/v1/csrf-probe', headers });
    expect((await post({ cookie })).statusCode).toBe(403);
    const evil = await post({ cookie, origin: 'https://evil.example.net' });
    expect(evil.statusCode).toBe(403);
    expect(evil.json()).toMatchObject({
      code: 'forbidden',
      detail: expect.stringContaining('Cross-site') as string,
    });
    expect((await post({ cookie, origin })).statusCode).toBe(200);

    const { bearer } = await signIn(
      `member-sessions-${backend}@example.com`,
      'member password 1234',
      'cli/1',
    );
    const viaBearer = await post({ authorization: `Bearer ${bearer}` });
    expect(viaBearer.statusCode).toBe(200);
    expect(viaBearer.json()).toEqual({ userId: world.personas.member.userId });
  });

  it('lists my sessions with device and IP, and a password change ends the others', async () => {
    const email = `viewer-sessions-${backend}@example.com`;
    const laptop = await signIn(email, 'viewer password 1234', 'Laptop Browser');
    const phone = await signIn(email, 'viewer password 1234', 'Phone Browser');
    const list = await t.app.inject({
      url: '/v1/auth/list-sessions',
      headers: { origin, cookie: laptop.cookie },
    });
    const sessions = list.json<{ userAgent: string; ipAddress: string }[]>();
    expect(sessions.map((s) => s.userAgent)).toEqual(
      expect.arrayContaining(['Laptop Browser', 'Phone Browser']),
    );
    expect(sessions.every((s) => s.ipAddress === '127.0.0.1')).toBe(true);

    const change = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/change-password',
      headers: { origin, cookie: laptop.cookie },
      payload: {
        currentPassword: 'viewer password 1234',
        newPassword: 'viewer password 5678',
        revokeOtherSessions: false,
      },
    });
    expect(change.statusCode).toBe(200);
    const phoneSession = await t.app.inject({
      url: '/v1/auth/get-session',
      headers: { cookie: phone.cookie },
    });
    expect(phoneSession.json()).toBeNull();
  });

  it('revokes one session, then all the others, each ending at once', async () => {
    const email = `revoker-${backend}@example.com`;
    await signUpVerified(t, { name: 'Revoker', email, password: 'revoker password 1234' });
    const here = await signIn(email, 'revoker password 1234', 'Here Browser');
    const there = await signIn(email, 'revoker password 1234', 'There Browser');
    const yonder = await signIn(email, 'revoker password 1234', 'Yonder Browser');
    const sessionOf = (cookie: string) =>
      t.app
        .inject({ url: '/v1/auth/get-session', headers: { cookie } })
        .then((r) => r.json<unknown>());
    const list = await t.app.inject({
      url: '/v1/auth/list-sessions',
      headers: { origin, cookie: here.cookie },
    });
    const thereToken = list
      .json<{ token: string; userAgent: string }[]>()
      .find((s) => s.userAgent === 'There Browser')!.token;
    const revoke = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/revoke-session',
      headers: { origin, cookie: here.cookie },
      payload: { token: thereToken },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(await sessionOf(there.cookie)).toBeNull();
    expect(await sessionOf(yonder.cookie)).not.toBeNull();

    const others = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/revoke-other-sessions',
      headers: { origin, cookie: here.cookie },
    });
    expect(others.statusCode).toBe(200);
    expect(await sessionOf(yonder.cookie)).toBeNull();
    expect(await sessionOf(here.cookie)).toMatchObject({ user: { email } });
  });

  it('refuses to delete the account of an organization’s only owner, with the reason', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/delete-user',
      headers: world.personas.owner.headers,
      payload: { password: 'owner password 1234' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'bad_request', reason: 'last_owner' });
    expect(response.json<{ detail: string }>().detail).toContain('"Org A"');
    // Still there.
    const session = await t.app.inject({
      url: '/v1/auth/get-session',
      headers: world.personas.owner.headers,
    });
    expect(session.json()).toMatchObject({ user: { id: world.personas.owner.userId } });
  });

  it('deletes the account of a member who owns nothing, with the password', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/delete-user',
      headers: world.personas.admin.headers,
      payload: { password: 'admin password 1234' },
    });
    expect(response.statusCode).toBe(200);
    const signInAgain = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/email',
      headers: { origin },
      payload: { email: `admin-sessions-${backend}@example.com`, password: 'admin password 1234' },
    });
    expect(signInAgain.statusCode).toBe(401);
  });

  it('deletes an account without the password only right after signing in', async () => {
    const user = await signUpVerified(t, {
      name: 'Fresh',
      email: `fresh-${backend}@example.com`,
      password: 'fresh long password',
    });
    const age = (minutes: number) =>
      t.services.tenancy.withPlatform((tx) =>
        tx
          .update(sessions)
          .set({ createdAt: new Date(Date.now() - minutes * 60_000) })
          .where(eq(sessions.userId, user.userId)),
      );
    const deleteWithoutPassword = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/delete-user',
        headers: user.headers,
        payload: {},
      });

    await age(20);
    const stale = await deleteWithoutPassword();
    expect(stale.statusCode).toBeGreaterThanOrEqual(400);
    expect(stale.statusCode).toBeLessThan(500);
    await age(1);
    expect((await deleteWithoutPassword()).statusCode).toBe(200);
  });

  it('accepts a cookie request without Origin when it carries the session’s CSRF token', async () => {
    const { cookie } = world.personas.member.headers as { cookie: string };
    const token = await t.app.inject({ url: '/v1/session/csrf-token', headers: { cookie } });
    expect(token.statusCode).toBe(200);
    const { token: value, header } = token.json<{ token: string; header: string }>();
    expect(header).toBe('x-csrf-token');
    const post = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/v1/csrf-probe', headers: { cookie, ...headers } });
    expect((await post({ [header]: value })).statusCode).toBe(200);
    expect((await post({ [header]: `${value.slice(0, -1)}x` })).statusCode).toBe(403);
    // Another session's token is worth nothing here.
    const other = await t.app.inject({
      url: '/v1/session/csrf-token',
      headers: world.personas.owner.headers,
    });
    expect(other.statusCode).toBe(200);
    expect((await post({ [header]: other.json<{ token: string }>().token })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/v1/session/csrf-token' })).statusCode).toBe(401);
  });

  /** Moves a session's sign-in and last refresh into the past. */
  const backdate = (token: string, changes: { createdAt?: Date; expiresAt?: Date }) =>
    t.services.tenancy.withPlatform((tx) =>
      tx.update(sessions).set(changes).where(eq(sessions.token, token)),
    );
  const tokenOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!;
  const hours = (n: number) => n * 3_600_000;

  it('ends a session left idle longer than AUTH_SESSION_IDLE_HOURS; use extends it', async () => {
    const email = `member-sessions-${backend}@example.com`;
    const { cookie } = await signIn(email, 'member password 1234', 'Idle Browser');
    const token = tokenOf(cookie);
    const [created] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(sessions).where(eq(sessions.token, token)),
    );
    const idle = t.config.AUTH_SESSION_IDLE_HOURS;
    // A new session ends AUTH_SESSION_IDLE_HOURS from now, not at the absolute limit.
    expect(created!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(hours(idle));
    expect(created!.expiresAt.getTime() - Date.now()).toBeGreaterThan(hours(idle) - 60_000);

    // Used two hours ago, its last refresh is stale: this use moves the end out again.
    await backdate(token, { expiresAt: new Date(Date.now() + hours(idle) - hours(2)) });
    const used = await t.app.inject({ url: '/v1/auth/get-session', headers: { cookie } });
    expect(used.json()).toMatchObject({ user: { email } });
    const [refreshed] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(sessions).where(eq(sessions.token, token)),
    );
    expect(refreshed!.expiresAt.getTime()).toBeGreaterThan(Date.now() + hours(idle) - 60_000);

    // Not used for longer than the idle limit: gone.
    await backdate(token, { expiresAt: new Date(Date.now() - 1_000) });
    const idleOut = await t.app.inject({ url: '/v1/auth/get-session', headers: { cookie } });
    expect(idleOut.json()).toBeNull();
    const probe = await t.app.inject({
      method: 'POST',
      url: '/v1/csrf-probe',
      headers: { cookie, origin },
    });
    expect(probe.statusCode).toBe(401);
  });

  it('ends a session AUTH_SESSION_MAX_DAYS after its sign-in, however much it is used', async () => {
    const email = `member-sessions-${backend}@example.com`;
    const { cookie } = await signIn(email, 'member password 1234', 'Busy Browser');
    const token = tokenOf(cookie);
    const max = t.config.AUTH_SESSION_MAX_DAYS * 24;
    // Signed in almost AUTH_SESSION_MAX_DAYS ago and used all along (the last refresh is stale).
    const signedInAt = new Date(Date.now() - hours(max) + hours(1));
    await backdate(token, {
      createdAt: signedInAt,
      expiresAt: new Date(Date.now() + hours(t.config.AUTH_SESSION_IDLE_HOURS) - hours(2)),
    });
    const used = await t.app.inject({ url: '/v1/auth/get-session', headers: { cookie } });
    expect(used.json()).toMatchObject({ user: { email } });
    const [refreshed] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(sessions).where(eq(sessions.token, token)),
    );
    // The refresh stopped at the absolute end, not a full idle period from now.
    expect(refreshed!.expiresAt.getTime()).toBe(signedInAt.getTime() + hours(max));

    await backdate(token, { createdAt: new Date(Date.now() - hours(max) - 1_000) });
    await backdate(token, { expiresAt: new Date(Date.now() - 1_000) });
    expect(
      (await t.app.inject({ url: '/v1/auth/get-session', headers: { cookie } })).json(),
    ).toBeNull();
  });
});
