import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, trustedOrigins } from '#server/config';
import { buildApp } from '#server/platform/http/app';
import { loggerOptions } from '#server/platform/logger';
import { createMetrics } from '#server/platform/metrics';
import { requestIdFrom } from '#server/platform/http/request-id';
import { isReservedPath } from '#server/platform/http/reserved';

describe('reserved prefixes', () => {
  it.each([
    ['/v1/meta', true],
    ['/v1', true],
    ['/health/ready?verbose=1', true],
    ['/docs/static/index.html', true],
    ['/.well-known/jwks.json', true],
    ['/ops/queues', true],
    ['/', false],
    ['/status', false],
    ['/v10/anything', false],
    ['/%761/meta', true],
    ['/%zz', false],
    ['/documentation', false],
    ['/_next/static/chunk.js', false],
  ])('%s → served by the API: %s', (url, reserved) => {
    expect(isReservedPath(url)).toBe(reserved);
  });
});

describe('request ids', () => {
  const request = (id?: string | string[]) =>
    ({ headers: { 'x-request-id': id } }) as unknown as IncomingMessage;
  it('keeps a caller’s sane id and replaces anything that could forge a log line', () => {
    expect(requestIdFrom(request('lb-7f3a:01/2'))).toBe('lb-7f3a:01/2');
    expect(requestIdFrom(request(['first', 'second']))).toBe('first');
    for (const bad of ['', 'has space', 'line\nbreak', 'x'.repeat(129)]) {
      expect(requestIdFrom(request(bad))).toMatch(/^[0-9a-f]{8}-[0-9a-f-]{27}$/);
    }
  });
});

describe('log redaction', () => {
  it('logs request URLs with their query values redacted', async () => {
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'corebase-log-'));
    const config = loadConfig({ CB_DATA_DIR: dir });
    const app = await buildApp({
      config,
      logger: pino(loggerOptions({ level: 'info', pretty: false }), sink),
      metrics: createMetrics(),
      routes: [],
      version: 'test',
    });
    await app.inject({ url: '/v1/auth/reset-password?token=s3cret-t0ken&callbackURL=/x' });
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    expect(written).toContain('/v1/auth/reset-password?token=[redacted]&callbackURL=[redacted]');
    expect(written).not.toContain('s3cret-t0ken');
  });

  it('never writes credentials, cookies, passwords or tokens', () => {
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = pino(loggerOptions({ level: 'info', pretty: false }), sink);
    logger.info(
      {
        req: {
          headers: {
            authorization: 'Bearer sk-live-1',
            cookie: 'session=abc',
            'x-api-key': 'key-2',
          },
        },
        body: { email: 'ada@example.com', password: 'hunter2', token: 'tok-3' },
        user: { refreshToken: 'ref-4', secret: 'sec-5' },
      },
      'signed in',
    );
    for (const secret of [
      'sk-live-1',
      'session=abc',
      'key-2',
      'hunter2',
      'tok-3',
      'ref-4',
      'sec-5',
    ]) {
      expect(written).not.toContain(secret);
    }
    expect(written).toContain('ada@example.com');
    expect(written).toContain('[redacted]');
  });
});

describe('trusted origins', () => {
  it('are PUBLIC_URL’s origin, CORS_ORIGINS, and the loopback twin of a loopback PUBLIC_URL', () => {
    expect(trustedOrigins({ PUBLIC_URL: 'http://localhost:3000', CORS_ORIGINS: [] })).toEqual([
      'http://localhost:3000',
      'http://127.0.0.1:3000',
    ]);
    expect(
      trustedOrigins({
        PUBLIC_URL: 'https://crm.example.com',
        CORS_ORIGINS: ['https://app.example.com'],
      }),
    ).toEqual(['https://crm.example.com', 'https://app.example.com']);
  });
});
