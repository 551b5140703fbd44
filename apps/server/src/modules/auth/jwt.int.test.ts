import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(testBackends())('JWT access tokens on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `jwt-${backend}`);
  });
  afterAll(() => t?.close());

  const tokenOf = async (persona: keyof TWorld['personas']) => {
    const response = await t.app.inject({
      url: '/v1/auth/token',
      headers: world.personas[persona].headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ token: string }>().token;
  };
  const call = (token: string, url: string) =>
    t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });

  it('mints a short-lived token from a session, verified against the published JWKS', async () => {
    const token = await tokenOf('admin');
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map(
        (part) =>
          JSON.parse(Buffer.from(part, 'base64url').toString()) as JWTPayload & {
            kid?: string;
            alg?: string;
          },
      );
    expect(payload).toMatchObject({
      sub: world.personas.admin.userId,
      activeOrganizationId: world.orgA,
    });
    expect(payload!.exp! - payload!.iat!).toBe(15 * 60);
    const jwks = await t.app.inject({ url: '/.well-known/jwks.json' });
    expect(jwks.statusCode).toBe(200);
    expect(jwks.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid)).toContain(header!.kid);
    expect(JSON.stringify(jwks.json())).not.toMatch(/"d"\s*:/);

    // It acts as its user in their organization, on data routes, without CSRF checks.
    expect((await call(token, '/v1/audit-log')).statusCode).toBe(200);
    const viewerToken = await tokenOf('viewer');
    expect((await call(viewerToken, '/v1/audit-log')).statusCode).toBe(403);
    // Not on routes for people: sessions, members, tokens.
    expect((await call(token, '/v1/auth/list-sessions')).statusCode).toBe(403);
    expect((await call(token, '/v1/auth/token')).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/v1/auth/token' })).statusCode).toBe(401);
  });

  it('refuses tampered, unsigned, foreign-key and expired tokens with 401', async () => {
    const token = await tokenOf('admin');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    const forged = [
      // Another user's id under the same signature.
      `${header}.${b64({ ...claims, sub: world.personas.owner.userId })}.${signature}`,
      // alg "none", no signature.
      `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.x`,
      // A valid signature by a key that is not ours.
      await (async () => {
        const { privateKey } = await generateKeyPair('EdDSA');
        return new SignJWT(claims)
          .setProtectedHeader({
            alg: 'EdDSA',
            kid: (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid,
          })
          .sign(privateKey);
      })(),
      // Ours, but expired.
      (
        await t.services.auth.api.signJWT({
          body: {
            payload: {
              ...claims,
              exp: Math.floor(Date.now() / 1000) - 60,
              iat: Math.floor(Date.now() / 1000) - 1000,
            },
          },
        })
      ).token,
    ];
    for (const bad of forged) {
      const response = await call(bad, '/v1/audit-log');
      expect(response.statusCode, bad).toBe(401);
      expect(response.json()).toMatchObject({ code: 'unauthenticated' });
    }
    expect((await call(token, '/v1/audit-log')).statusCode).toBe(200);
  });
});
