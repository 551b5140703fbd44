import {
  ZImpersonation,
  ZImpersonationPage,
  ZImpersonationParams,
  ZListImpersonationsQuery,
  ZStartImpersonationBody,
  ZStartedImpersonation,
  ZStoppedImpersonation,
  type TImpersonation,
  type TSessionImpersonation,
} from '@corebase/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { trustedOrigins, type TConfig } from '#server/config';
import type {
  ImpersonationService,
  TImpersonationRecord,
} from '#server/modules/impersonation/impersonation.service';
import type { TImpersonationCookies } from '#server/modules/impersonation/impersonation.sessions';
import { AppError } from '#server/platform/errors';
import type { TAuthenticate, TPrincipal } from '#server/platform/http/app';
import { csrfHeader, isValidCsrfToken } from '#server/platform/http/csrf';
import { decodeCursor, pageOf } from '#server/platform/http/cursor';
import { requestContextOf } from '#server/platform/http/request-context';

export const presentImpersonation = (row: TImpersonationRecord): TImpersonation => ({
  id: row.id,
  admin: row.admin,
  user: row.user,
  reason: row.reason,
  startedAt: row.startedAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
  active: row.endedAt === null,
  endedAt: row.endedAt?.toISOString() ?? null,
  endReason: row.endReason,
  endedBy: row.endedBy,
});

/** What the session answer carries while a superadmin acts as its user. */
export const sessionImpersonationOf = (row: TImpersonationRecord): TSessionImpersonation => ({
  id: row.id,
  by: row.admin,
  reason: row.reason,
  startedAt: row.startedAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
});

const startedBefore = (cursor: string) => {
  const { at, id } = decodeCursor(cursor);
  return { startedAt: at, id };
};

export type TImpersonationRoutesDeps = {
  impersonations: ImpersonationService;
  cookies: TImpersonationCookies;
  /** The request pipeline's authenticator: the stop route resolves its caller itself. */
  authenticate: TAuthenticate;
  config: Pick<TConfig, 'AUTH_SECRET' | 'PUBLIC_URL' | 'CORS_ORIGINS'>;
};

/**
 * Impersonation for platform superadmins: start (acting as a user through a session of theirs
 * that ends by itself), stop (the superadmin's own session back), list, and end any.
 */
export function impersonationRoutes(deps: TImpersonationRoutesDeps): FastifyPluginAsyncZod {
  const { impersonations, cookies, config } = deps;
  const allowedOrigins = new Set(trustedOrigins(config));
  /** The pipeline's CSRF rule, for the stop route that checks its caller itself. */
  const assertSameSite = (request: FastifyRequest, sessionIds: string[]) => {
    if (allowedOrigins.has(request.headers.origin ?? '')) return;
    const token = request.headers[csrfHeader];
    if (sessionIds.some((id) => isValidCsrfToken(config.AUTH_SECRET, id, token))) return;
    throw new AppError(
      'forbidden',
      `Cross-site request refused: send it from the app itself (Origin header), with the ${csrfHeader} header from GET /v1/session/csrf-token, or authenticate with a bearer token.`,
    );
  };

  return async (app) => {
    app.post(
      '/v1/admin/impersonation',
      {
        config: { permission: 'superadmin', sessionOnly: true },
        schema: {
          tags: ['admin'],
          operationId: 'startImpersonation',
          description:
            'Superadmins, signed in with a session. The reason is audited and shown to the user in the notice mail; every answer made while impersonating carries the impersonation header.',
          summary:
            'Act as a user for up to 60 minutes (audited, the user is told by mail): a browser gets their session cookie, other clients the token.',
          body: ZStartImpersonationBody,
          response: { 201: ZStartedImpersonation },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const adminToken =
          principal.via === 'cookie' ? await cookies.sessionToken(request) : undefined;
        const { impersonation, token } = await impersonations.start({
          admin: { userId: principal.userId, context: requestContextOf(request) },
          userId: request.body.userId,
          reason: request.body.reason,
          minutes: request.body.minutes,
        });
        // A browser switches to the user's session; its own waits aside until stop.
        if (adminToken) {
          await cookies.keep(reply, { impersonationId: impersonation.id, adminToken });
          await cookies.setSession(reply, token, request.body.minutes * 60);
        }
        return reply.status(201).send({ ...presentImpersonation(impersonation), token });
      },
    );

    app.post(
      '/v1/admin/impersonation/stop',
      {
        // The impersonation's session, or, once it expired or was signed out, the superadmin's
        // own session kept aside in the browser: either one, or 401.
        config: { permission: 'challenge', sessionOnly: true },
        schema: {
          tags: ['admin'],
          operationId: 'stopImpersonation',
          description:
            "Called with the impersonation's session, or, once that expired or was signed out, with the superadmin's own session the browser kept aside (401 without either). The audit log records the end.",
          summary:
            'Stop impersonating: the session acting as the user ends and the browser is signed in as the superadmin again.',
          response: { 200: ZStoppedImpersonation },
        },
      },
      async (request, reply) => {
        const principal: TPrincipal | null = await deps.authenticate(request);
        if (principal?.via === 'api_key' || principal?.via === 'jwt') {
          throw new AppError(
            'forbidden',
            'Stop an impersonation with its own session (cookie or bearer token).',
          );
        }
        const kept = await cookies.kept(request);
        const admin = kept ? await cookies.adminSession(kept.adminToken) : undefined;
        let impersonationId: string;
        let endedBy: string;
        if (principal?.impersonatedBy) {
          if (principal.via === 'cookie') {
            assertSameSite(request, [principal.sessionId!, ...(admin ? [admin.sessionId] : [])]);
          }
          impersonationId = principal.impersonatedBy.impersonationId;
          endedBy = principal.impersonatedBy.impersonatorId;
        } else if (kept && admin) {
          assertSameSite(request, [admin.sessionId]);
          impersonationId = kept.impersonationId;
          endedBy = admin.userId;
        } else if (principal) {
          throw new AppError('conflict', 'You are not impersonating anyone.');
        } else {
          throw new AppError(
            'unauthenticated',
            'Sign in first: this browser holds no impersonation to stop.',
            { headers: { 'www-authenticate': 'Bearer' } },
          );
        }
        const stopped = await impersonations.stop({
          impersonationId,
          endedBy,
          ownOnly: true,
          context: requestContextOf(request),
        });
        const restored =
          kept !== undefined &&
          admin !== undefined &&
          kept.impersonationId === stopped.id &&
          admin.userId === stopped.adminUserId;
        if (restored) {
          await cookies.setSession(
            reply,
            kept.adminToken,
            (admin.expiresAt.getTime() - Date.now()) / 1000,
          );
        } else if (principal?.via === 'cookie') {
          await cookies.clearSession(reply);
        }
        if (kept) await cookies.clearKept(reply);
        return { impersonation: presentImpersonation(stopped), restored };
      },
    );

    app.get(
      '/v1/admin/impersonations',
      {
        config: { permission: 'superadmin', sessionOnly: true },
        schema: {
          tags: ['admin'],
          operationId: 'listImpersonations',
          description:
            'Every impersonation on the platform: who acted as whom, why, and when it ended. Paged with `cursor`.',
          summary: 'Impersonations, running and past, newest first.',
          querystring: ZListImpersonationsQuery,
          response: { 200: ZImpersonationPage },
        },
      },
      async (request) => {
        const { status, cursor, limit } = request.query;
        const rows = await impersonations.list({
          ...(status ? { status } : {}),
          ...(cursor ? { before: startedBefore(cursor) } : {}),
          limit: limit + 1,
        });
        const { page, nextCursor } = pageOf(rows, limit, (row) => row.startedAt);
        return { data: page.map(presentImpersonation), nextCursor };
      },
    );

    app.delete(
      '/v1/admin/impersonations/:id',
      {
        config: { permission: 'superadmin', sessionOnly: true },
        schema: {
          tags: ['admin'],
          operationId: 'endImpersonation',
          description: 'Ends the impersonation and its session at once, whoever started it.',
          summary:
            "End any running impersonation at once (its session too), another superadmin's included.",
          params: ZImpersonationParams,
          response: { 200: ZImpersonation },
        },
      },
      async (request) =>
        presentImpersonation(
          await impersonations.stop({
            impersonationId: request.params.id,
            endedBy: request.principal!.userId,
            ownOnly: false,
            context: requestContextOf(request),
          }),
        ),
    );
  };
}
