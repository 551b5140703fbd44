import { randomInt } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { z } from 'zod';
import { createTestApp, type TTestApp } from '#test/app';

const opened: TTestApp[] = [];
afterAll(async () => {
  for (const t of opened) await t.close();
});

async function open(
  env: Record<string, string>,
  options: Parameters<typeof createTestApp>[1] = {},
) {
  const t = await createTestApp('pglite', { ...options, env });
  opened.push(t);
  return t;
}

/** A client address of its own, so parallel runs sharing one Redis never share a counter. */
const clientIp = () => `198.51.100.${randomInt(1, 255)}-${randomInt(1e9)}`;

describe('rate limits', () => {
  it('answers 429 problem+json with Retry-After once the configured limit is spent', async () => {
    const t = await open({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
    const ip = clientIp();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await t.app.inject({ url: '/v1/meta', remoteAddress: ip })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await t.app.inject({ url: '/v1/meta', remoteAddress: ip });
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    // Another client is unaffected, and health checks are never limited.
    expect((await t.app.inject({ url: '/v1/meta', remoteAddress: clientIp() })).statusCode).toBe(
      200,
    );
    expect((await t.app.inject({ url: '/health/live', remoteAddress: ip })).statusCode).toBe(200);
  });

  const redisUrl = inject('redisUrl');
  it.runIf(redisUrl)('share one budget across API processes through Redis', async () => {
    const redis = new Redis(redisUrl!);
    try {
      const env = { RATE_LIMIT_MAX: '4', RATE_LIMIT_WINDOW_MS: '60000', REDIS_URL: redisUrl! };
      const [a, b] = [await open(env, { redis }), await open(env, { redis })];
      const ip = clientIp();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const app = i % 2 === 0 ? a.app : b.app;
        statuses.push((await app.inject({ url: '/v1/meta', remoteAddress: ip })).statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      // With Redis configured, readiness checks it too.
      const ready = await a.app.inject({ url: '/health/ready' });
      expect(ready.json()).toMatchObject({ checks: { redis: { status: 'ok' } } });
    } finally {
      redis.disconnect();
    }
  });

  it('keep serving, without limits, when Redis is unreachable', async () => {
    // A port nothing listens on: the rate-limit store fails on every request.
    const redis = new Redis('redis://127.0.0.1:9', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    redis.on('error', () => undefined);
    try {
      const t = await open({ RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_MS: '60000' }, { redis });
      const ip = clientIp();
      for (let i = 0; i < 3; i++) {
        expect((await t.app.inject({ url: '/v1/meta', remoteAddress: ip })).statusCode).toBe(200);
      }
      const ready = await t.app.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({
        code: 'not_ready',
        checks: { redis: { status: 'fail' } },
      });
    } finally {
      redis.disconnect();
    }
  });
});

describe('undeclared access', () => {
  it('closes a route that declares no permission instead of leaving it open', async () => {
    const forgotten: FastifyPluginAsyncZod = async (app) => {
      app.get('/v1/forgotten', async () => ({ secret: true }));
    };
    const t = await open({}, { extraRoutes: [forgotten] });
    const response = await t.app.inject({ url: '/v1/forgotten' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'forbidden' });
    expect(response.body).not.toContain('secret');
  });

  it('does not mount better-auth’s admin endpoints (impersonation, set-role, set-password)', async () => {
    const t = await open({});
    for (const path of ['admin/set-role', 'admin/impersonate-user', 'admin/set-user-password']) {
      const response = await t.app.inject({ method: 'POST', url: `/v1/auth/${path}`, payload: {} });
      expect(response.statusCode, path).toBe(404);
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, then refuses new ones', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: FastifyPluginAsyncZod = async (app) => {
      app.get(
        '/v1/slow',
        {
          config: { permission: 'public' },
          schema: { response: { 200: z.object({ done: z.boolean() }) } },
        },
        async () => {
          await gate;
          return { done: true };
        },
      );
    };
    const t = await createTestApp('pglite', { env: {}, extraRoutes: [slow] });
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const inFlight = fetch(`${address}/v1/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = t.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(fetch(`${address}/health/live`)).rejects.toThrow();
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closing;
  });
});
