import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organizations, users } from '#server/modules/identity/identity.schema';
import { createdAtColumn, idColumn } from '#server/platform/db/columns';

const timestampColumn = (name: string) =>
  timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * Platform table (no RLS): an organization's API keys. A request presents only the key, so the
 * lookup by its hash comes before anyone knows the organization; the module reads and writes the
 * rows of one organization otherwise.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: idColumn(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** `cbk_` and the next 8 characters: shown in lists to tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key: the key itself is never stored. */
    keyHash: text('key_hash').notNull().unique(),
    permissions: text('permissions')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAtColumn(),
    expiresAt: timestampColumn('expires_at'),
    lastUsedAt: timestampColumn('last_used_at'),
    revokedAt: timestampColumn('revoked_at'),
  },
  (t) => [index('api_keys_organization_idx').on(t.organizationId)],
);
