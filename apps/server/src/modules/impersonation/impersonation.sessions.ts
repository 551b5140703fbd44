import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '#server/modules/auth/auth';
import type { TImpersonationSessions } from '#server/modules/impersonation/impersonation.service';

/**
 * Sessions through better-auth's internal adapter, as its own admin plugin makes them: marked
 * `impersonatedBy`, with their own end (`overrideAll`, or better-auth would set the usual one).
 * `auth` is read late: better-auth's hooks call the impersonation service, built before it.
 */
export function createImpersonationSessions(auth: () => Auth): TImpersonationSessions {
  return {
    async create({
      userId,
      impersonatedBy,
      expiresAt,
      activeOrganizationId,
      ipAddress,
      userAgent,
    }) {
      const context = await auth().$context;
      const session = await context.internalAdapter.createSession(
        userId,
        true,
        { impersonatedBy, expiresAt, activeOrganizationId, ipAddress, userAgent },
        true,
      );
      return { id: session.id, token: session.token };
    },
    async end(sessionId) {
      const context = await auth().$context;
      const session = await context.adapter.findOne<{ token: string }>({
        model: 'session',
        where: [{ field: 'id', value: sessionId }],
      });
      if (session) await context.internalAdapter.deleteSession(session.token);
    },
  };
}

type TCookie = {
  name: string;
  attributes: {
    domain?: string | undefined;
    path?: string | undefined;
    httpOnly?: boolean | undefined;
    secure?: boolean | undefined;
    sameSite?: string | undefined;
  };
};

/** Signed as better-call signs cookies (HMAC-SHA256, base64): better-auth reads ours as its own. */
const signatureOf = (value: string, secret: string) =>
  createHmac('sha256', secret).update(value).digest('base64');

function serialize(cookie: TCookie, value: string, maxAgeSeconds: number): string {
  const { domain, path, httpOnly, secure, sameSite } = cookie.attributes;
  return [
    `${cookie.name}=${encodeURIComponent(value)}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(domain ? [`Domain=${domain}`] : []),
    `Path=${path ?? '/'}`,
    ...(httpOnly ? ['HttpOnly'] : []),
    ...(secure ? ['Secure'] : []),
    ...(sameSite ? [`SameSite=${sameSite.charAt(0).toUpperCase()}${sameSite.slice(1)}`] : []),
  ].join('; ');
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function verified(signed: string | undefined, secret: string): string | undefined {
  if (!signed) return undefined;
  const at = signed.lastIndexOf('.');
  if (at < 1) return undefined;
  const value = signed.slice(0, at);
  const given = Buffer.from(signed.slice(at + 1));
  const expected = Buffer.from(signatureOf(value, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : undefined;
}

/** What the browser keeps aside while impersonating: which impersonation, whose session. */
export type TKeptSession = { impersonationId: string; adminToken: string };

export type TImpersonationCookies = {
  /** The session token of the request's session cookie (signature checked). */
  sessionToken(request: FastifyRequest): Promise<string | undefined>;
  /** Sets the session cookie to this token (ending at `maxAgeSeconds`). */
  setSession(reply: FastifyReply, token: string, maxAgeSeconds: number): Promise<void>;
  clearSession(reply: FastifyReply): Promise<void>;
  kept(request: FastifyRequest): Promise<TKeptSession | undefined>;
  keep(reply: FastifyReply, kept: TKeptSession): Promise<void>;
  clearKept(reply: FastifyReply): Promise<void>;
  /** The superadmin's own session behind a kept token, while it lasts. */
  adminSession(
    token: string,
  ): Promise<{ sessionId: string; userId: string; expiresAt: Date } | undefined>;
};

/**
 * The session cookie is better-auth's (its name, attributes and secret, from its context); the
 * superadmin's own session waits in a second signed, HttpOnly cookie until the impersonation
 * stops, as better-auth's admin plugin keeps its `admin_session`.
 */
export function createImpersonationCookies(auth: Auth): TImpersonationCookies {
  const context = () => auth.$context;
  const keptCookie = async () => (await context()).createAuthCookie('impersonator_session');
  return {
    async sessionToken(request) {
      const { authCookies, secret } = await context();
      return verified(cookieValue(request, authCookies.sessionToken.name), secret);
    },
    async setSession(reply, token, maxAgeSeconds) {
      const { authCookies, secret } = await context();
      const signed = `${token}.${signatureOf(token, secret)}`;
      void reply.header('set-cookie', serialize(authCookies.sessionToken, signed, maxAgeSeconds));
    },
    async clearSession(reply) {
      const { authCookies } = await context();
      void reply.header('set-cookie', serialize(authCookies.sessionToken, '', 0));
    },
    async kept(request) {
      const { secret } = await context();
      const value = verified(cookieValue(request, (await keptCookie()).name), secret);
      const at = value?.indexOf(':') ?? -1;
      if (!value || at < 1) return undefined;
      return { impersonationId: value.slice(0, at), adminToken: value.slice(at + 1) };
    },
    async keep(reply, kept) {
      const { secret, sessionConfig } = await context();
      const value = `${kept.impersonationId}:${kept.adminToken}`;
      void reply.header(
        'set-cookie',
        serialize(
          await keptCookie(),
          `${value}.${signatureOf(value, secret)}`,
          sessionConfig.expiresIn,
        ),
      );
    },
    async clearKept(reply) {
      void reply.header('set-cookie', serialize(await keptCookie(), '', 0));
    },
    async adminSession(token) {
      const found = await (await context()).internalAdapter.findSession(token);
      if (!found || found.session.expiresAt <= new Date()) return undefined;
      if ((found.user as { role?: string | null }).role !== 'admin') return undefined;
      return {
        sessionId: found.session.id,
        userId: found.user.id,
        expiresAt: found.session.expiresAt,
      };
    },
  };
}
