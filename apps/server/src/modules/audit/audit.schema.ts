import { sql } from 'drizzle-orm';
import { index, jsonb, pgPolicy, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn } from '#server/platform/db/columns';
import { tenantIsolationPolicy } from '#server/platform/db/rls';

/**
 * Tenant table (RLS, FORCE), append-only: the application role may insert and read, never update
 * or delete (see the grants migration). Entries without an organization (`org_id IS NULL`:
 * platform events such as a sign-in before any organization is chosen) may be inserted in any
 * context but are read only inside withPlatformAdmin.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: idColumn(),
    orgId: uuid('org_id'),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'system'] }).notNull(),
    actorId: uuid('actor_id'),
    /** The superadmin acting as the actor (an impersonation), when one was. */
    impersonatorId: uuid('impersonator_id'),
    /** The API key the request came with: a key acts as its creator, and says so here. */
    apiKeyId: uuid('api_key_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    createdAt: createdAtColumn(),
  },
  (t) => [
    index('audit_log_org_created_idx').on(t.orgId, t.createdAt),
    tenantIsolationPolicy(t.orgId),
    pgPolicy('platform_insert', {
      as: 'permissive',
      for: 'insert',
      to: 'public',
      withCheck: sql`${t.orgId} IS NULL`,
    }),
    pgPolicy('platform_read', {
      as: 'permissive',
      for: 'select',
      to: 'public',
      using: sql`${t.orgId} IS NULL AND current_setting('app.platform_admin', true) = 'on'`,
    }),
  ],
);
