import {
  aliasedTable,
  and,
  desc,
  eq,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { users } from '#server/modules/identity/identity.schema';
import { impersonations } from '#server/modules/impersonation/impersonation.schema';
import type { Tx } from '#server/platform/db/database';

export type TImpersonationRow = typeof impersonations.$inferSelect;
export type TEndReason = NonNullable<TImpersonationRow['endReason']>;

type TParty = { id: string; name: string | null; email: string | null };

/** An impersonation with both people's names (null once an account is gone). */
export type TImpersonationRecord = TImpersonationRow & { admin: TParty; user: TParty };

const admins = aliasedTable(users, 'admins');
const targets = aliasedTable(users, 'targets');

const selectRecords = (tx: Tx) =>
  tx
    .select({
      impersonation: impersonations,
      adminName: admins.name,
      adminEmail: admins.email,
      userName: targets.name,
      userEmail: targets.email,
    })
    .from(impersonations)
    .leftJoin(admins, eq(admins.id, impersonations.adminUserId))
    .leftJoin(targets, eq(targets.id, impersonations.userId));

type TSelected = Awaited<ReturnType<typeof selectRecords>>[number];

const recordOf = (row: TSelected): TImpersonationRecord => ({
  ...row.impersonation,
  admin: { id: row.impersonation.adminUserId, name: row.adminName, email: row.adminEmail },
  user: { id: row.impersonation.userId, name: row.userName, email: row.userEmail },
});

export async function insertImpersonation(
  tx: Tx,
  row: typeof impersonations.$inferInsert & { id: string },
): Promise<void> {
  await tx.insert(impersonations).values(row);
}

export async function findImpersonation(
  tx: Tx,
  id: string,
): Promise<TImpersonationRecord | undefined> {
  const [row] = await selectRecords(tx).where(eq(impersonations.id, id)).limit(1);
  return row ? recordOf(row) : undefined;
}

/** The impersonation a session was made for (running or not). */
export async function findImpersonationBySession(
  tx: Tx,
  sessionId: string,
): Promise<TImpersonationRecord | undefined> {
  const [row] = await selectRecords(tx).where(eq(impersonations.sessionId, sessionId)).limit(1);
  return row ? recordOf(row) : undefined;
}

/** The superadmin's running impersonation (at most one: a unique index says so). */
export async function findOpenImpersonationBy(
  tx: Tx,
  adminUserId: string,
): Promise<TImpersonationRecord | undefined> {
  const [row] = await selectRecords(tx)
    .where(and(eq(impersonations.adminUserId, adminUserId), isNull(impersonations.endedAt)))
    .limit(1);
  return row ? recordOf(row) : undefined;
}

/**
 * Marks an impersonation ended unless it already is; the row as it was when this call ended it,
 * undefined when another call did first.
 */
export async function endImpersonation(
  tx: Tx,
  id: string,
  end: { endedAt: Date; endReason: TEndReason; endedBy: string | null },
): Promise<TImpersonationRow | undefined> {
  const [row] = await tx
    .update(impersonations)
    .set(end)
    .where(and(eq(impersonations.id, id), isNull(impersonations.endedAt)))
    .returning();
  return row;
}

/** Ends, as expired at their own end, every open impersonation whose end has passed. */
export async function endExpiredImpersonations(tx: Tx, now: Date): Promise<TImpersonationRow[]> {
  return tx
    .update(impersonations)
    .set({ endedAt: sql`${impersonations.expiresAt}`, endReason: 'expired', endedBy: null })
    .where(and(isNull(impersonations.endedAt), lte(impersonations.expiresAt, now)))
    .returning();
}

export type TListImpersonationsFilter = {
  status?: 'active' | 'ended';
  before?: { startedAt: Date; id: string };
  limit: number;
};

/** Newest first. */
export async function listImpersonations(
  tx: Tx,
  filter: TListImpersonationsFilter,
): Promise<TImpersonationRecord[]> {
  const conditions: (SQL | undefined)[] = [
    filter.status === 'active' ? isNull(impersonations.endedAt) : undefined,
    filter.status === 'ended' ? isNotNull(impersonations.endedAt) : undefined,
    filter.before
      ? or(
          lt(impersonations.startedAt, filter.before.startedAt),
          and(
            eq(impersonations.startedAt, filter.before.startedAt),
            lt(impersonations.id, filter.before.id),
          ),
        )
      : undefined,
  ];
  const rows = await selectRecords(tx)
    .where(and(...conditions))
    .orderBy(desc(impersonations.startedAt), desc(impersonations.id))
    .limit(filter.limit);
  return rows.map(recordOf);
}
