import { connect } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organizations } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';

/**
 * Sends one request as bytes on a socket: `app.inject` and fetch normalise the target (a
 * backslash becomes a slash), which is exactly what must not be relied on here.
 */
function rawRequest(port: number, lines: string[], body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(
      [...lines, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body].join(
        '\r\n',
      ),
    );
  });
}

describe.each(testBackends())('request targets that name another endpoint on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `traversal-${backend}`);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => t?.close());

  it('refuses backslashes and dot segments before any route, so no check is skipped', async () => {
    const { cookie } = world.personas.owner.headers as { cookie: string };
    const body = JSON.stringify({ organizationId: world.orgA });
    for (const [target, expected] of [
      // A public route whose parameter would swallow the rest: better-auth's immediate deletion.
      ['/v1/auth/callback/x\\..\\..\\organization\\delete', 400],
      ['/v1/auth/reset-password/x\\..\\..\\organization\\delete', 400],
      ['/v1/auth/callback/%2e%2e/organization/delete', 400],
      ['/v1/auth/./organization/delete', 400],
      // Encoded slashes stay inside the parameter: an unknown provider, answered by a redirect.
      ['/v1/auth/callback/..%2F..%2Forganization%2Fdelete', 302],
    ] as const) {
      const answer = await rawRequest(
        port,
        [
          `POST ${target} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          'Origin: http://localhost:3000',
          'Content-Type: application/json',
          `Cookie: ${cookie}`,
        ],
        body,
      );
      const status = Number(answer.split(' ', 2)[1]);
      expect(status, `${target}: ${answer.slice(0, 300)}`).toBe(expected);
      if (expected === 400) expect(answer).toContain('application/problem+json');
      const [org] = await t.services.tenancy.withPlatform((tx) =>
        tx.select().from(organizations).where(eq(organizations.id, world.orgA)),
      );
      expect(org, target).toBeDefined();
    }
  });
});
