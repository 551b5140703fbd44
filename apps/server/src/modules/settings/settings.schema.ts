import { boolean, integer, pgTable, uuid } from 'drizzle-orm/pg-core';
import { organizations } from '#server/modules/identity/identity.schema';
import { createdAtColumn, updatedAtColumn } from '#server/platform/db/columns';
import { tenantIsolationPolicy } from '#server/platform/db/rls';

/** Tenant table (RLS, FORCE): one row of settings per organization. */
export const organizationSettings = pgTable(
  'organization_settings',
  {
    orgId: uuid('org_id')
      .primaryKey()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** Days audit entries are kept before the clean-up job removes them. */
    auditRetentionDays: integer('audit_retention_days').notNull().default(365),
    /** Members without two-factor authentication are refused everything until they turn it on. */
    requireTwoFactor: boolean('require_two_factor').notNull().default(false),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [tenantIsolationPolicy(t.orgId)],
);
