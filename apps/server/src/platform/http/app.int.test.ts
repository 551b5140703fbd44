import { ZProblem } from '@corebase/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '#server/platform/errors';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';

/** A route that exercises the pipeline: body validation, an AppError, and a crash. */
const probeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/probe',
    {
      config: { permission: 'public' },
      schema: {
        body: z.object({
          name: z.string().min(2),
          address: z.object({ city: z.string() }),
          count: z.number().int().positive().optional(),
        }),
        querystring: z.object({ mode: z.enum(['echo', 'conflict', 'crash']).default('echo') }),
        response: { 200: z.object({ name: z.string() }) },
      },
    },
    async (request) => {
      if (request.query.mode === 'conflict') throw new AppError('conflict', 'Name already taken.');
      if (request.query.mode === 'crash')
        throw new Error('secret internal detail: password=hunter2');
      // `passwordHash` is not in the response schema, so it must never reach the client.
      return { name: request.body.name, passwordHash: 'x' } as { name: string };
    },
  );
};

function problemOf(response: { headers: Record<string, unknown>; body: string }) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return ZProblem.parse(JSON.parse(response.body));
}

describe.each(testBackends())('HTTP front door on %s', (backend) => {
  let t: TTestApp;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: {
        RATE_LIMIT_MAX: '1000',
        BODY_LIMIT_BYTES: '2048',
        CORS_ORIGINS: 'https://app.example.com',
      },
      extraRoutes: [probeRoutes],
    });
  });
  afterAll(() => t?.close());

  it('echoes a sane X-Request-Id, replaces an unsafe one, and generates one otherwise', async () => {
    const honoured = await t.app.inject({
      url: '/health/live',
      headers: { 'x-request-id': 'lb-123' },
    });
    expect(honoured.headers['x-request-id']).toBe('lb-123');
    const unsafe = await t.app.inject({
      url: '/health/live',
      headers: { 'x-request-id': 'x'.repeat(300) },
    });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await t.app.inject({ url: '/health/live' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers validation failures with 400 naming every bad field', async () => {
    const body = await t.app.inject({
      method: 'POST',
      url: '/v1/probe',
      payload: { name: 'x', address: {}, count: -1 },
    });
    expect(body.statusCode).toBe(400);
    const problem = problemOf(body);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => `${e.in}:${e.field}`)).toEqual([
      'body:name',
      'body:address.city',
      'body:count',
    ]);
    expect(problem.detail).toContain('body.address.city');

    const query = await t.app.inject({
      method: 'POST',
      url: '/v1/probe?mode=nope',
      payload: { name: 'Ada', address: { city: 'London' } },
    });
    expect(query.statusCode).toBe(400);
    expect(problemOf(query).errors).toEqual([
      { in: 'querystring', field: 'mode', message: expect.stringMatching(/echo/) as string },
    ]);
  });

  it('serializes responses through their schema, dropping undeclared fields', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/probe',
      payload: { name: 'Ada', address: { city: 'London' } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'Ada' });
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/probe',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "Ada",',
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).code).toBe('malformed_json');
  });

  it('answers an unsupported media type with 415 and a too-large body with 413', async () => {
    const text = await t.app.inject({
      method: 'POST',
      url: '/v1/probe',
      headers: { 'content-type': 'text/plain' },
      payload: 'name=Ada',
    });
    expect(text.statusCode).toBe(415);
    expect(problemOf(text).code).toBe('unsupported_media_type');

    const large = await t.app.inject({
      method: 'POST',
      url: '/v1/probe',
      payload: { name: 'x'.repeat(4096), address: { city: 'London' } },
    });
    expect(large.statusCode).toBe(413);
    expect(problemOf(large).code).toBe('payload_too_large');
  });

  it('answers unknown API paths with 404 and wrong methods with 405 + Allow', async () => {
    const missing = await t.app.inject({ url: '/v1/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(problemOf(missing)).toMatchObject({ code: 'not_found', instance: '/v1/nothing-here' });

    const wrongMethod = await t.app.inject({ method: 'DELETE', url: '/v1/meta' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD');
    expect(problemOf(wrongMethod).code).toBe('method_not_allowed');
  });

  it('maps AppError to its status and code', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/probe?mode=conflict',
      payload: { name: 'Ada', address: { city: 'London' } },
    });
    expect(response.statusCode).toBe(409);
    expect(problemOf(response)).toMatchObject({ code: 'conflict', detail: 'Name already taken.' });
  });

  it('hides the internals of a 500 and gives the request id instead', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/probe?mode=crash',
      headers: { 'x-request-id': 'trace-500' },
      payload: { name: 'Ada', address: { city: 'London' } },
    });
    expect(response.statusCode).toBe(500);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ code: 'internal_error', requestId: 'trace-500' });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('secret internal detail');
    expect(problem.detail).toContain('trace-500');
  });

  it('sets security headers on API paths and never X-Powered-By', async () => {
    const response = await t.app.inject({ url: '/v1/meta' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('allows CORS only for configured origins', async () => {
    const allowed = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/meta',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const refused = await t.app.inject({
      url: '/v1/meta',
      headers: { origin: 'https://evil.example.net' },
    });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('reports readiness of the database and migrations', async () => {
    const response = await t.app.inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      checks: {
        database: { status: 'ok' },
        migrations: { status: 'ok' },
        redis: { status: 'skipped', message: 'REDIS_URL is not set' },
      },
    });
  });

  it('serves Prometheus metrics to loopback, with HTTP durations by route', async () => {
    await t.app.inject({ url: '/v1/meta' });
    const response = await t.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(
      /http_request_duration_seconds_count\{route="\/v1\/meta",method="GET",status_code="200"\} \d+/,
    );
    expect(response.body).toContain('process_cpu_user_seconds_total');

    const remote = await t.app.inject({ url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(remote.statusCode).toBe(403);
    expect(problemOf(remote).detail).toContain('METRICS_TOKEN');
  });

  it('publishes an OpenAPI 3.1 document generated from the route schemas', async () => {
    const response = await t.app.inject({ url: '/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/meta', '/health/ready', '/health/live', '/v1/probe']),
    );
    expect(document.paths['/v1/meta']?.get?.responses).toHaveProperty('200');
    expect(document.paths).not.toHaveProperty('/metrics');
    // better-auth's endpoints are merged in, under /v1/auth; its switched-off ones are not.
    expect(document.paths['/v1/auth/sign-in/email']?.post).toMatchObject({ tags: ['auth'] });
    expect(document.paths).not.toHaveProperty('/v1/auth/organization/delete');
  });

  it('serves browsable docs at /docs under a CSP its UI works with', async () => {
    const index = await t.app.inject({ url: '/docs/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.headers['content-security-policy']).toContain('script-src');
  });

  it('every route declares who may call it', () => {
    const routes = t.app.routeTable();
    expect(routes.length).toBeGreaterThan(5);
    const undeclared = routes.filter((r) => !r.permission).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
  });
});
