import { and, desc, eq, gte, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { auditLog } from '#server/modules/audit/audit.schema';
import { organizationSettings } from '#server/modules/settings/settings.schema';
import type { Tx } from '#server/platform/db/database';

export type TAuditRow = typeof auditLog.$inferSelect;
export type TNewAuditRow = typeof auditLog.$inferInsert;

/** No RETURNING: a platform entry (org_id NULL) is insertable but not readable by the app role. */
export async function insertAuditEntry(tx: Tx, row: TNewAuditRow & { id: string }): Promise<void> {
  await tx.insert(auditLog).values(row);
}

export type TListAuditFilter = {
  actorId?: string;
  action?: string;
  /** Only entries without an organization (visible inside withPlatformAdmin). */
  platformOnly?: boolean;
  /** Entries at or after this time. */
  from?: Date;
  /** Entries before this time. */
  to?: Date;
  before?: { createdAt: Date; id: string };
  limit: number;
};

/** Newest first; which organization's rows are visible is decided by RLS, not here. */
export async function listAuditEntries(tx: Tx, filter: TListAuditFilter): Promise<TAuditRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
    filter.action ? eq(auditLog.action, filter.action) : undefined,
    filter.platformOnly ? isNull(auditLog.orgId) : undefined,
    filter.from ? gte(auditLog.createdAt, filter.from) : undefined,
    filter.to ? lt(auditLog.createdAt, filter.to) : undefined,
    filter.before
      ? or(
          lt(auditLog.createdAt, filter.before.createdAt),
          and(eq(auditLog.createdAt, filter.before.createdAt), lt(auditLog.id, filter.before.id)),
        )
      : undefined,
  ];
  return tx
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(filter.limit);
}

/**
 * Entries older than their organization's `audit_retention_days` (organization-less platform
 * entries: `platformDays`). Maintenance role only: the application role can never delete audit.
 */
export async function deleteAuditPastRetention(tx: Tx, platformDays: number): Promise<number> {
  const rows = await tx
    .delete(auditLog)
    .where(
      sql`${auditLog.createdAt} < now() - make_interval(days => coalesce(
        (select ${organizationSettings.auditRetentionDays} from ${organizationSettings}
          where ${organizationSettings.orgId} = ${auditLog.orgId}),
        ${platformDays}))`,
    )
    .returning({ id: auditLog.id });
  return rows.length;
}

/** Every entry of an organization being purged. */
export async function deleteAuditOf(tx: Tx, orgId: string): Promise<number> {
  const rows = await tx
    .delete(auditLog)
    .where(eq(auditLog.orgId, orgId))
    .returning({ id: auditLog.id });
  return rows.length;
}
