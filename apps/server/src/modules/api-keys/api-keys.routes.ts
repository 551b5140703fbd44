import {
  ZApiKey,
  ZApiKeyList,
  ZApiKeyParams,
  ZCreateApiKeyBody,
  ZCreatedApiKey,
  type TApiKey,
} from '@corebase/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { TApiKeyRow } from '#server/modules/api-keys/api-keys.repository';
import type { ApiKeysService, TApiKeyActor } from '#server/modules/api-keys/api-keys.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import { requestContextOf } from '#server/platform/http/request-context';

const present = (row: TApiKeyRow): TApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  permissions: row.permissions as TApiKey['permissions'],
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  expiresAt: row.expiresAt?.toISOString() ?? null,
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

const actorOf = (request: FastifyRequest): TApiKeyActor => ({
  userId: request.principal!.userId,
  permissions: request.principal!.permissions,
  context: requestContextOf(request),
});

/** The active organization's API keys (`Authorization: Bearer cbk_…` or `X-API-Key`). */
export function apiKeyRoutes(deps: {
  apiKeys: ApiKeysService;
  tenancy: Tenancy;
}): FastifyPluginAsyncZod {
  const { apiKeys, tenancy } = deps;
  return async (app) => {
    app.get(
      '/v1/api-keys',
      {
        config: { permission: 'apikeys:manage' },
        schema: {
          tags: ['api-keys'],
          operationId: 'listApiKeys',
          description:
            'Each key with its prefix, permissions, creator, expiry, last use and revocation; the key itself is shown only once, when it is created.',
          summary: "The active organization's API keys, newest first (never the keys themselves).",
          response: { 200: ZApiKeyList },
        },
      },
      async (request) => {
        const orgId = request.principal!.orgId!;
        const rows = await tenancy.withTenant(orgId, (tx) => apiKeys.list(tx, orgId));
        return { data: rows.map(present) };
      },
    );

    app.post(
      '/v1/api-keys',
      {
        // A key outlives the session that made it: not while a superadmin impersonates.
        config: { permission: 'apikeys:manage', refusedWhileImpersonating: true },
        schema: {
          tags: ['api-keys'],
          operationId: 'createApiKey',
          description:
            'The key acts in the active organization with the permissions chosen, never beyond what its creator may do there at the time of each request. Send it as `X-API-Key` or `Authorization: Bearer`. Refused while impersonating.',
          summary: 'Create a key with some of your permissions; the answer shows it this once.',
          body: ZCreateApiKeyBody,
          response: { 201: ZCreatedApiKey },
        },
      },
      async (request, reply) => {
        const orgId = request.principal!.orgId!;
        const { row, key } = await tenancy.withTenant(orgId, (tx) =>
          apiKeys.create(tx, orgId, actorOf(request), request.body),
        );
        return reply.status(201).send({ ...present(row), key });
      },
    );

    app.delete(
      '/v1/api-keys/:id',
      {
        config: { permission: 'apikeys:manage' },
        schema: {
          tags: ['api-keys'],
          operationId: 'revokeApiKey',
          description: 'The key is refused from the next request on.',
          summary: 'Revoke a key: it stops working at once.',
          params: ZApiKeyParams,
          response: { 200: ZApiKey },
        },
      },
      async (request) => {
        const orgId = request.principal!.orgId!;
        return present(
          await tenancy.withTenant(orgId, (tx) =>
            apiKeys.revoke(tx, orgId, actorOf(request), request.params.id),
          ),
        );
      },
    );
  };
}
