import { and, count, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { reports } from '#server/modules/reports/reports.schema';
import type { Tx } from '#server/platform/db/database';

export type TReportRow = typeof reports.$inferSelect;

// A tenant table: which organization's rows a query sees is decided by RLS; every query also
// names the organization it means, and the requester where a person's own reports are meant.

export async function insertReport(tx: Tx, row: typeof reports.$inferInsert): Promise<TReportRow> {
  const [inserted] = await tx.insert(reports).values(row).returning();
  return inserted!;
}

export async function findReport(tx: Tx, id: string): Promise<TReportRow | undefined> {
  const [row] = await tx.select().from(reports).where(eq(reports.id, id));
  return row;
}

/**
 * Serialises one person's requests in one organization until the transaction ends, so that two
 * at once cannot both pass the in-progress limit.
 */
export async function lockRequester(tx: Tx, orgId: string, userId: string): Promise<void> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`reports:${orgId}:${userId}`}, 0))`,
  );
}

export async function countInProgress(tx: Tx, orgId: string, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(reports)
    .where(
      and(
        eq(reports.orgId, orgId),
        eq(reports.requestedBy, userId),
        inArray(reports.status, ['queued', 'running']),
      ),
    );
  return row?.n ?? 0;
}

/** The requester's reports of these kinds in the organization, newest first. */
export async function listReports(
  tx: Tx,
  filter: {
    orgId: string;
    requestedBy: string;
    kinds: readonly string[];
    before?: { createdAt: Date; id: string };
    limit: number;
  },
): Promise<TReportRow[]> {
  const { before } = filter;
  if (filter.kinds.length === 0) return [];
  return tx
    .select()
    .from(reports)
    .where(
      and(
        eq(reports.orgId, filter.orgId),
        eq(reports.requestedBy, filter.requestedBy),
        inArray(reports.kind, [...filter.kinds]),
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

/**
 * Changes a report still in one of the `from` statuses; false when it is not (another run
 * finished or failed it meanwhile), so that only one run announces the outcome.
 */
export async function updateReport(
  tx: Tx,
  id: string,
  from: readonly string[],
  changes: Partial<Omit<typeof reports.$inferInsert, 'id' | 'orgId'>>,
): Promise<boolean> {
  const updated = await tx
    .update(reports)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(reports.id, id), inArray(reports.status, [...from])))
    .returning({ id: reports.id });
  return updated.length > 0;
}

/** The files ready reports point at (any organization: maintenance role). */
export async function findLiveFileKeys(tx: Tx, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await tx
    .select({ fileKey: reports.fileKey })
    .from(reports)
    .where(and(eq(reports.status, 'ready'), inArray(reports.fileKey, [...keys])));
  return new Set(rows.flatMap((row) => (row.fileKey ? [row.fileKey] : [])));
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
