import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ZProblem } from '@corebase/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '#server/config';
import { buildApp, type App, type TWebHandler } from '#server/platform/http/app';
import { createMetrics } from '#server/platform/metrics';
import { rawConnection, trickle, type TRawResponse } from '#test/raw-http';

/*
 * What happens on the socket, below Fastify's request cycle: Node's HTTP parser and timeouts
 * (which app.inject() never exercises), against a real server on a loopback port.
 */

const probeRoutes: FastifyPluginAsyncZod = async (app) => {
  const config = { permission: 'public' as const };
  app.get('/v1/probe', { config }, async () => ({ ok: true }));
  app.get(
    '/v1/probe/:id',
    { config, schema: { params: z.object({ id: z.string() }) } },
    async (request) => ({ id: request.params.id }),
  );
  app.post(
    '/v1/probe',
    { config, schema: { body: z.object({ text: z.string() }) } },
    async (request) => ({ length: request.body.text.length }),
  );
};

/** Stands in for Next.js: reads the body a little later (as Next does), answers its size. */
const webRequests: string[] = [];
const web: TWebHandler = async (req, res) => {
  webRequests.push(`${req.method} ${req.url}`);
  if (req.url === '/ignores-body') {
    res.writeHead(204).end();
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  const bytes = await new Promise<number>((resolve, reject) => {
    let count = 0;
    req.on('data', (chunk: Buffer) => (count += chunk.length));
    req.on('end', () => resolve(count));
    req.on('error', reject);
  });
  const body = JSON.stringify({ bytes });
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
};

const limit = 1024;

function problemOf(response: TRawResponse | null) {
  expect(response?.headers['content-type']).toMatch(/^application\/problem\+json/);
  return ZProblem.parse(JSON.parse(response!.body));
}

describe('the front door at the socket', () => {
  let app: App;
  let port: number;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'corebase-connection-'));
    const config = loadConfig({
      CB_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_MAX: '100000',
      BODY_LIMIT_BYTES: String(limit),
      HTTP_REQUEST_TIMEOUT_MS: '1500',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
    });
    app = await buildApp({
      config,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
      routes: [probeRoutes],
      web,
      version: 'test',
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (url: string) => `GET ${url} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

  /** A plain request on a new connection still gets its answer. */
  const freshConnectionWorks = async () => {
    const connection = await rawConnection(port);
    connection.send(get('/v1/probe'));
    const response = await connection.response();
    connection.close();
    expect(response?.status).toBe(200);
    expect(JSON.parse(response!.body)).toEqual({ ok: true });
  };

  /** The answer closes the connection, and says so. */
  const expectClosing = async (connection: Awaited<ReturnType<typeof rawConnection>>) => {
    const response = await connection.response();
    expect(response?.headers.connection).toBe('close');
    await connection.closed;
    expect(connection.isClosed()).toBe(true);
    return response;
  };

  describe('timeouts', () => {
    it('cuts off a body trickled in slower than the request timeout with 408 problem+json, not an idle kept-alive connection', async () => {
      const kept = await rawConnection(port);
      kept.send(get('/v1/probe'));
      expect((await kept.response())?.status).toBe(200);

      const connection = await rawConnection(port);
      connection.send(
        'POST /v1/probe HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"text":"',
      );
      // 10 bytes every 200 ms: the 1000 bytes would take 20 s; give up (unanswered) after 8 s.
      await trickle(connection, 200, (index) => {
        connection.send('x'.repeat(10));
        return index < 40;
      });
      const response = await expectClosing(connection);
      expect(response?.status).toBe(408);
      const problem = problemOf(response);
      expect(problem.code).toBe('request_timeout');
      expect(problem.detail).toContain('HTTP_REQUEST_TIMEOUT_MS');
      await freshConnectionWorks();

      // Idle meanwhile for longer than the request timeout: that is the keep-alive timeout's
      // business, so the connection still serves.
      kept.send(get('/v1/probe'));
      expect((await kept.response())?.status).toBe(200);
      expect(kept.isClosed()).toBe(false);
      kept.close();
    });

    it('cuts off headers trickled in slower than the headers timeout', async () => {
      const connection = await rawConnection(port);
      connection.send('GET /v1/probe HTTP/1.1\r\nHost: localhost\r\n');
      await trickle(connection, 200, (index) => {
        connection.send(`X-Slow-${index}: a\r\n`);
        return index < 40;
      });
      const response = await expectClosing(connection);
      expect(response?.status).toBe(408);
      expect(problemOf(response).code).toBe('request_timeout');
    });
  });

  describe('what the HTTP parser refuses', () => {
    it('answers headers over the size limit with 431 problem+json and closes', async () => {
      const connection = await rawConnection(port);
      connection.send(
        `GET /v1/probe HTTP/1.1\r\nHost: localhost\r\nX-Large: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      const response = await expectClosing(connection);
      expect(response?.status).toBe(431);
      expect(problemOf(response).code).toBe('header_too_large');
      await freshConnectionWorks();
    });

    it('answers a malformed request after a good one on a kept-alive connection with 400 problem+json and closes', async () => {
      const connection = await rawConnection(port);
      connection.send(get('/v1/probe'));
      expect((await connection.response())?.status).toBe(200);
      connection.send('G@T /v1/probe HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const response = await expectClosing(connection);
      expect(response?.status).toBe(400);
      const problem = problemOf(response);
      expect(problem.code).toBe('bad_request');
      expect(problem.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response?.headers['x-request-id']).toBe(problem.requestId);
      await freshConnectionWorks();
    });

    it('answers an HTTP/1.1 request without Host with 400 problem+json and closes', async () => {
      for (const url of ['/v1/probe', '/a-page']) {
        const connection = await rawConnection(port);
        connection.send(`GET ${url} HTTP/1.1\r\n\r\n`);
        const response = await expectClosing(connection);
        expect(response?.status).toBe(400);
        expect(problemOf(response).detail).toContain('Host');
      }
      await freshConnectionWorks();
    });

    it('answers a request target in absolute form with 400 problem+json and closes, never the web app', async () => {
      const before = webRequests.length;
      for (const url of [`http://localhost:${port}/v1/probe`, `http://localhost:${port}/a-page`]) {
        const connection = await rawConnection(port);
        connection.send(`GET ${url} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
        const response = await expectClosing(connection);
        expect(response?.status).toBe(400);
        expect(problemOf(response).detail).toContain('origin form');
      }
      expect(webRequests.length).toBe(before);
      await freshConnectionWorks();
    });
  });

  describe('what the router refuses', () => {
    it.each([
      ['a malformed percent-encoding', '/v1/probe/%zz', 400, 'bad_request'],
      ['a path segment too long for any id', `/v1/probe/${'a'.repeat(200)}`, 414, 'uri_too_long'],
    ])(
      'answers %s with problem+json and Connection: close, and a new connection works',
      async (_case, url, status, code) => {
        const connection = await rawConnection(port);
        connection.send(get(url));
        const response = await expectClosing(connection);
        expect(response?.status).toBe(status);
        const problem = problemOf(response);
        expect(problem.code).toBe(code);
        expect(response?.headers['x-request-id']).toBe(problem.requestId);
        await freshConnectionWorks();
      },
    );
  });

  describe('bodies on web paths', () => {
    it('answers a declared Content-Length over the limit with 413 problem+json, unread', async () => {
      const before = webRequests.length;
      const connection = await rawConnection(port);
      connection.send(
        'POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000000\r\n\r\n',
      );
      connection.send('a'.repeat(1000));
      const response = await expectClosing(connection);
      expect(response?.status).toBe(413);
      const problem = problemOf(response);
      expect(problem.code).toBe('payload_too_large');
      expect(problem.instance).toBe('/form');
      expect(webRequests.length).toBe(before);
      await freshConnectionWorks();
    });

    it('hands bodies within the limit to the page whole, and cuts off a chunked body once it passes the limit with 413 problem+json', async () => {
      const kept = await rawConnection(port);
      kept.send(get('/'));
      const page = await kept.response();
      expect(page?.status).toBe(200);
      expect(JSON.parse(page!.body)).toEqual({ bytes: 0 });

      kept.send(
        `POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n${'a'.repeat(1000)}`,
      );
      expect(JSON.parse((await kept.response())!.body)).toEqual({ bytes: 1000 });

      kept.send('POST /form HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (const size of [300, 300, 300])
        kept.send(`${size.toString(16)}\r\n${'b'.repeat(size)}\r\n`);
      kept.send('0\r\n\r\n');
      expect(JSON.parse((await kept.response())!.body)).toEqual({ bytes: 900 });
      kept.close();

      const connection = await rawConnection(port);
      connection.send(
        'POST /form HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      // 512 bytes a chunk: past the 1024-byte limit at the third; unanswered after 40 (20 KB).
      await trickle(connection, 20, (index) => {
        connection.send(`200\r\n${'c'.repeat(512)}\r\n`);
        return index < 40;
      });
      const response = await expectClosing(connection);
      expect(response?.status).toBe(413);
      expect(problemOf(response).code).toBe('payload_too_large');
      await freshConnectionWorks();
    });

    it('closes the connection after a page that left a chunked body unread, rather than read it all', async () => {
      const connection = await rawConnection(port);
      connection.send(
        'POST /ignores-body HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      connection.send(`200\r\n${'d'.repeat(512)}\r\n`);
      const response = await connection.response();
      expect(response?.status).toBe(204);
      // Node would drain the rest unseen by the limit, however long, to read a next request.
      connection.send(`0\r\n\r\n${get('/v1/probe')}`);
      expect(await connection.response()).toBeNull();
      expect(connection.isClosed()).toBe(true);
    });
  });
});
