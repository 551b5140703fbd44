import { and, desc, eq, inArray, lt, or } from 'drizzle-orm';
import { reports } from '#server/modules/reports/reports.schema';
import type { Tx } from '#server/platform/db/database';

export type TReportRow = typeof reports.$inferSelect;

// A tenant table: which organization's rows a query sees is decided by RLS; every query also
// names the organization it means, and the requester where a person's own reports are meant.

export async function insertReport(tx: Tx, row: typeof reports.$inferInsert): Promise<TReportRow> {
  const [inserted] = await tx.insert(reports).values(row).returning();
  return inserted!;
}

export async function deleteReport(tx: Tx, id: string): Promise<void> {
  await tx.delete(reports).where(eq(reports.id, id));
}

export async function findReport(tx: Tx, id: string): Promise<TReportRow | undefined> {
  const [row] = await tx.select().from(reports).where(eq(reports.id, id));
  return row;
}

/** The requester's reports in the organization, newest first. */
export async function listReports(
  tx: Tx,
  filter: {
    orgId: string;
    requestedBy: string;
    before?: { createdAt: Date; id: string };
    limit: number;
  },
): Promise<TReportRow[]> {
  const { before } = filter;
  return tx
    .select()
    .from(reports)
    .where(
      and(
        eq(reports.orgId, filter.orgId),
        eq(reports.requestedBy, filter.requestedBy),
        before
          ? or(
              lt(reports.createdAt, before.createdAt),
              and(eq(reports.createdAt, before.createdAt), lt(reports.id, before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(reports.createdAt), desc(reports.id))
    .limit(filter.limit);
}

export async function updateReport(
  tx: Tx,
  id: string,
  changes: Partial<Omit<typeof reports.$inferInsert, 'id' | 'orgId'>>,
): Promise<void> {
  await tx
    .update(reports)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(reports.id, id));
}

/** Ready reports (any organization: maintenance role) whose files are past their expiry. */
export async function findExpiredReports(
  tx: Tx,
  now: Date,
  limit: number,
): Promise<Pick<TReportRow, 'id' | 'fileKey'>[]> {
  return tx
    .select({ id: reports.id, fileKey: reports.fileKey })
    .from(reports)
    .where(and(eq(reports.status, 'ready'), lt(reports.expiresAt, now)))
    .limit(limit);
}

export async function markExpired(tx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(reports)
    .set({ status: 'expired', fileKey: null, updatedAt: new Date() })
    .where(inArray(reports.id, [...ids]));
}
