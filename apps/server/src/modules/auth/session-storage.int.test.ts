import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sessions } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { signUpVerified } from '#test/personas';

const origin = 'http://localhost:3000';
const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('sessions with Redis as secondary storage', () => {
  let t: TTestApp;
  let redis: Redis;
  const createdUsers: string[] = [];

  beforeAll(async () => {
    redis = new Redis(redisUrl!);
    t = await createTestApp('pglite', {
      env: { REDIS_URL: redisUrl!, RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
      redis,
    });
  });
  afterAll(async () => {
    // Leave the shared Redis as we found it.
    for (const userId of createdUsers) await redis.del(`corebase:auth:active-sessions-${userId}`);
    await t?.close();
    redis?.disconnect();
  });

  it('keeps each session in Redis and in PostgreSQL, and removes both on sign-out', async () => {
    const email = `redis-session-${Date.now()}@example.com`;
    const signedIn = await signUpVerified(t, {
      name: 'Redis',
      email,
      password: 'redis session password',
    });
    const bearer = signedIn.bearer;
    const userId = signedIn.userId;
    createdUsers.push(userId);

    const rows = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(sessions).where(eq(sessions.userId, userId)),
    );
    expect(rows).toHaveLength(1);
    const token = rows[0]!.token;
    expect(bearer.startsWith(token)).toBe(true);
    expect(await redis.get(`corebase:auth:${token}`)).toContain(userId);

    const signOut = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-out',
      headers: { origin, authorization: `Bearer ${bearer}` },
      payload: {},
    });
    expect(signOut.statusCode).toBe(200);
    expect(await redis.get(`corebase:auth:${token}`)).toBeNull();
    const after = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(sessions).where(eq(sessions.userId, userId)),
    );
    expect(after).toEqual([]);
  });
});
