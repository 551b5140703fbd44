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
});
