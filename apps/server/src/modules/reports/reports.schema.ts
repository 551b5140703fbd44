import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organizations, users } from '#server/modules/identity/identity.schema';
import { createdAtColumn, idColumn, updatedAtColumn } from '#server/platform/db/columns';
import { tenantIsolationPolicy } from '#server/platform/db/rls';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * Tenant table (RLS, FORCE): a report someone asked for, produced by the `reports.generate` job
 * into the file storage (`file_key`) and deleted with its file when it expires.
 */
export const reports = pgTable(
  'reports',
  {
    id: idColumn(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    requestedBy: uuid('requested_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The API key it was asked for with, if any. */
    apiKeyId: uuid('api_key_id'),
    kind: text('kind').notNull(),
    format: text('format').notNull(),
    /** queued, running, ready, failed, expired. */
    status: text('status').notNull().default('queued'),
    progress: integer('progress').notNull().default(0),
    periodFrom: at('period_from'),
    periodTo: at('period_to'),
    rowCount: integer('row_count'),
    sizeBytes: integer('size_bytes'),
    fileKey: text('file_key'),
    error: text('error'),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
    completedAt: at('completed_at'),
    /** When the file is deleted (set once ready). */
    expiresAt: at('expires_at'),
  },
  (t) => [
    index('reports_requester_created_idx').on(t.orgId, t.requestedBy, t.createdAt),
    index('reports_expires_idx').on(t.expiresAt),
    tenantIsolationPolicy(t.orgId),
  ],
);
