import { apiKeyCreated, apiKeyRevoked } from '@corebase/contracts';
import { createHash, randomBytes } from 'node:crypto';
import { orderPermissions, type TCreateApiKeyBody, type TPermission } from '@corebase/contracts';
import type { Audit, TAuditEntryInput } from '#server/modules/audit/audit.service';
import {
  findApiKey,
  findApiKeyByHash,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
  type TApiKeyRow,
} from '#server/modules/api-keys/api-keys.repository';
import type { Tx } from '#server/platform/db/database';
import { AppError } from '#server/platform/errors';
import type { Events } from '#server/platform/outbox/events';

/** Every key starts so: a client, a secret scanner or a log reader can tell one at a glance. */
export const apiKeyPrefix = 'cbk_';

export const isApiKeyLike = (token: string): boolean => token.startsWith(apiKeyPrefix);

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

export type TApiKeyActor = {
  userId: string;
  permissions: ReadonlySet<string>;
  context?: TAuditEntryInput['context'];
};

/** A key that authenticated: whose it is and what it may do (before the creator's own limits). */
export type TVerifiedApiKey = {
  id: string;
  organizationId: string;
  createdBy: string | null;
  permissions: TPermission[];
};

const ordered = orderPermissions;

/*
 * Keys of one organization: list, create and revoke run inside withTenant(orgId) (their audit
 * entries are tenant rows); verify runs in withPlatform, before the organization is known.
 */
export type ApiKeysService = {
  list(tx: Tx, orgId: string): Promise<TApiKeyRow[]>;
  /** The key is in the answer, and nowhere else, ever. */
  create(
    tx: Tx,
    orgId: string,
    actor: TApiKeyActor,
    body: TCreateApiKeyBody,
  ): Promise<{ row: TApiKeyRow; key: string }>;
  revoke(tx: Tx, orgId: string, actor: TApiKeyActor, id: string): Promise<TApiKeyRow>;
  /** The key behind a presented secret, when it exists, is not revoked and has not expired. */
  verify(tx: Tx, key: string): Promise<TVerifiedApiKey | undefined>;
  /** Inside withTenant(key's org): notes the use; the first one ever is audited. */
  recordUse(tx: Tx, key: TVerifiedApiKey, context?: TAuditEntryInput['context']): Promise<void>;
};

export function createApiKeysService(deps: { audit: Audit; events: Events }): ApiKeysService {
  const { audit, events } = deps;
  const record = (
    tx: Tx,
    orgId: string,
    actor: TApiKeyActor,
    action: string,
    row: TApiKeyRow,
    after?: unknown,
  ) =>
    audit.record(tx, {
      orgId,
      actor: { type: 'user', id: actor.userId },
      action,
      target: { type: 'api_key', id: row.id },
      ...(after ? { after } : {}),
      ...(actor.context ? { context: actor.context } : {}),
    });
  return {
    list: listApiKeys,

    async create(tx, orgId, actor, body) {
      const permissions = ordered(body.permissions);
      const lacking = permissions.filter((p) => !actor.permissions.has(p));
      if (lacking.length > 0) {
        throw new AppError(
          'forbidden',
          `A key cannot do what its creator cannot: you lack ${lacking.join(', ')}.`,
        );
      }
      const key = `${apiKeyPrefix}${randomBytes(32).toString('base64url')}`;
      const row = await insertApiKey(tx, {
        organizationId: orgId,
        name: body.name,
        prefix: key.slice(0, apiKeyPrefix.length + 8),
        keyHash: hashOf(key),
        permissions,
        createdBy: actor.userId,
        expiresAt: body.expiresInDays
          ? new Date(Date.now() + body.expiresInDays * 86_400_000)
          : null,
      });
      const summary = { name: row.name, prefix: row.prefix, permissions, expiresAt: row.expiresAt };
      await record(tx, orgId, actor, 'api_key.created', row, summary);
      await events.emit(tx, apiKeyCreated, {
        apiKeyId: row.id,
        ...summary,
        expiresAt: row.expiresAt?.toISOString() ?? null,
      });
      return { row, key };
    },

    async revoke(tx, orgId, actor, id) {
      const row = await findApiKey(tx, orgId, id);
      if (!row) throw new AppError('not_found', `No API key ${id} in this organization.`);
      if (row.revokedAt) throw new AppError('conflict', 'This key is revoked already.');
      const revoked = await revokeApiKey(tx, id);
      await record(tx, orgId, actor, 'api_key.revoked', revoked, { name: row.name });
      await events.emit(tx, apiKeyRevoked, { apiKeyId: id });
      return revoked;
    },

    async verify(tx, key) {
      if (!isApiKeyLike(key) || key.length > 200) return undefined;
      const row = await findApiKeyByHash(tx, hashOf(key));
      if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date())) return undefined;
      return {
        id: row.id,
        organizationId: row.organizationId,
        createdBy: row.createdBy,
        permissions: ordered(row.permissions),
      };
    },

    async recordUse(tx, key, context) {
      const touched = await touchApiKey(tx, key.id);
      if (!touched?.firstUse) return;
      await audit.record(tx, {
        orgId: key.organizationId,
        actor: { type: 'api_key', id: key.id },
        action: 'api_key.first_used',
        target: { type: 'api_key', id: key.id },
        ...(context ? { context } : {}),
      });
    },
  };
}
