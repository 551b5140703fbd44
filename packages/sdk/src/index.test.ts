import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CorebaseError,
  createCorebaseClient,
  idempotencyKeyHeader,
  idempotencyKeys,
  isProblem,
  pages,
  paginate,
  unwrap,
} from '@corebase/sdk';

type TSeen = { method: string; url: string; headers: IncomingHttpHeaders };

const requestId = 'req-test-1';
const notification = (n: number) => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  type: 'member.two_factor_reset',
  organizationId: null,
  title: `notice ${n}`,
  body: '',
  link: null,
  readAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
});

const json = (response: ServerResponse, status: number, body: unknown, type = 'application/json') =>
  response
    .writeHead(status, { 'content-type': type, 'x-request-id': requestId })
    .end(JSON.stringify(body));

/**
 * A stand-in for the API on loopback with just what the helpers need: three pages of
 * notifications, a webhook create, a problem, and the answers a proxy in front may give.
 */
function answer(url: URL, response: ServerResponse) {
  switch (url.pathname) {
    case '/v1/notifications': {
      if (url.searchParams.get('unread') === 'false') {
        return json(
          response,
          400,
          {
            type: 'urn:corebase:problem:validation_failed',
            title: 'Validation failed',
            status: 400,
            detail: 'unread: not today',
            code: 'validation_failed',
            requestId,
            errors: [{ in: 'querystring', field: 'unread', message: 'not today' }],
          },
          'application/problem+json; charset=utf-8',
        );
      }
      const cursor = url.searchParams.get('cursor');
      const page = cursor === null ? 0 : Number(cursor.replace('after-', ''));
      return json(response, 200, {
        data: [notification(page * 2 + 1), notification(page * 2 + 2)],
        nextCursor: page < 2 ? `after-${page + 1}` : null,
        unreadCount: 6,
      });
    }
    case '/v1/webhooks':
      return json(response, 201, { id: 'w1', url: 'https://hooks.example.com', secret: 'whsec_x' });
    case '/v1/webhooks/00000000-0000-4000-8000-000000000009':
      return json(
        response,
        404,
        {
          type: 'urn:corebase:problem:not_found',
          title: 'Not found',
          status: 404,
          detail: 'No such webhook endpoint.',
          instance: url.pathname,
          code: 'not_found',
          requestId,
        },
        'application/problem+json; charset=utf-8',
      );
    case '/v1/meta':
      // What a reverse proxy answers when the server is down.
      return response
        .writeHead(502, { 'content-type': 'text/html', 'x-request-id': requestId })
        .end('<html><body>Bad Gateway</body></html>');
    default:
      return response.writeHead(503, { 'content-length': '0' }).end();
  }
}

describe('the Corebase client', () => {
  const seen: TSeen[] = [];
  const server = createServer((request, response) => {
    seen.push({ method: request.method!, url: request.url!, headers: request.headers });
    request.resume();
    request.on('end', () => answer(new URL(request.url!, 'http://127.0.0.1'), response));
  });
  let baseUrl = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
  });

  it('sends an API key as X-API-Key and a token as a bearer, with the caller’s headers', async () => {
    const keyed = createCorebaseClient({
      baseUrl,
      apiKey: 'cbk_test',
      headers: { 'x-trace': 'one' },
    });
    await keyed.GET('/v1/notifications');
    const bearer = createCorebaseClient({ baseUrl, bearerToken: 'session-token' });
    await bearer.GET('/v1/notifications');

    expect(seen[0]!.headers).toMatchObject({ 'x-api-key': 'cbk_test', 'x-trace': 'one' });
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[1]!.headers).toMatchObject({ authorization: 'Bearer session-token' });
    expect(seen[1]!.headers['x-api-key']).toBeUndefined();
    expect(() => createCorebaseClient({ baseUrl, apiKey: 'a', bearerToken: 'b' })).toThrow(
      /apiKey or bearerToken/,
    );
  });

  it('gives a failed call’s problem as its error, and unwrap throws it as a CorebaseError', async () => {
    const client = createCorebaseClient({ baseUrl });
    const path = { id: '00000000-0000-4000-8000-000000000009' };
    const { data, error, response } = await client.GET('/v1/webhooks/{id}', {
      params: { path },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ status: 404, code: 'not_found', requestId });
    expect(isProblem(error, 'not_found')).toBe(true);
    expect(isProblem(error, 'conflict')).toBe(false);

    const thrown = await unwrap(client.GET('/v1/webhooks/{id}', { params: { path } })).catch(
      (caught: unknown) => caught,
    );
    expect(thrown).toBeInstanceOf(CorebaseError);
    const failure = thrown as CorebaseError;
    expect(failure).toMatchObject({ status: 404, code: 'not_found', requestId });
    expect(failure.problem.detail).toBe('No such webhook endpoint.');
    expect(failure.message).toBe('404 not_found: No such webhook endpoint.');

    const created = await unwrap(client.POST('/v1/webhooks', { body: { url: 'https://x.test' } }));
    expect(created.secret).toBe('whsec_x');
  });

  it('turns an answer that is not a problem (a proxy’s page, an empty body) into one', async () => {
    const client = createCorebaseClient({ baseUrl });
    const proxied = await client.GET('/v1/meta');
    expect(proxied.error).toMatchObject({
      status: 502,
      code: 'unexpected_response',
      requestId,
    });
    expect(proxied.error?.detail).toContain('Bad Gateway');

    // openapi-fetch alone reports an empty error body as `error: undefined`, as if nothing failed.
    const empty = await client.GET('/v1/organization');
    expect(empty.response.status).toBe(503);
    expect(empty.error).toMatchObject({ status: 503, code: 'unexpected_response', requestId: '' });
    await expect(unwrap(client.GET('/v1/organization'))).rejects.toMatchObject({
      status: 503,
      code: 'unexpected_response',
    });
  });

  it('pages through a list by its cursors, keeping the caller’s query', async () => {
    const client = createCorebaseClient({ baseUrl });
    const titles: string[] = [];
    for await (const item of paginate(client, '/v1/notifications', {
      params: { query: { unread: 'true', limit: 2 } },
    })) {
      titles.push(item.title);
    }
    expect(titles).toEqual([
      'notice 1',
      'notice 2',
      'notice 3',
      'notice 4',
      'notice 5',
      'notice 6',
    ]);
    expect(seen.map((r) => r.url)).toEqual([
      '/v1/notifications?unread=true&limit=2',
      '/v1/notifications?unread=true&limit=2&cursor=after-1',
      '/v1/notifications?unread=true&limit=2&cursor=after-2',
    ]);

    const counts: number[] = [];
    for await (const page of pages(client, '/v1/notifications')) counts.push(page.unreadCount);
    expect(counts).toEqual([6, 6, 6]);
  });

  it('stops paging with a CorebaseError when a page fails', async () => {
    const client = createCorebaseClient({ baseUrl });
    const walk = async () => {
      for await (const item of paginate(client, '/v1/notifications', {
        params: { query: { unread: 'false' } },
      })) {
        expect(item).toBeUndefined();
      }
    };
    const failure = await walk().catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(CorebaseError);
    expect((failure as CorebaseError).problem.errors).toEqual([
      { in: 'querystring', field: 'unread', message: 'not today' },
    ]);
  });

  it('gives unsafe requests a fresh Idempotency-Key, none to reads, and keeps a caller’s own', async () => {
    const client = createCorebaseClient({ baseUrl });
    client.use(idempotencyKeys());
    const body = { url: 'https://x.test' };
    await client.POST('/v1/webhooks', { body });
    await client.POST('/v1/webhooks', { body });
    await client.POST('/v1/webhooks', { body, headers: { [idempotencyKeyHeader]: 'retry-42' } });
    await client.GET('/v1/notifications');

    const keys = seen.map((r) => r.headers['idempotency-key']);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(keys[0]).toMatch(uuid);
    expect(keys[1]).toMatch(uuid);
    expect(keys[1]).not.toBe(keys[0]);
    expect(keys[2]).toBe('retry-42');
    expect(keys[3]).toBeUndefined();
  });
});
