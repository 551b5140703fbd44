import { and, count, desc, eq, gt, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { users } from '#server/modules/identity/identity.schema';
import {
  notificationDigests,
  notificationPreferences,
  notifications,
} from '#server/modules/notifications/notifications.schema';
import type { Tx } from '#server/platform/db/database';

export type TNotificationRow = typeof notifications.$inferSelect;
export type TPreferenceRow = typeof notificationPreferences.$inferSelect;

// Platform tables: every query names the user whose rows it touches (but the digest sweep's,
// which reads across people, with their name, address and time zone from users).

/** One per person and event: a second delivery of the event adds nothing. */
export async function insertNotification(
  tx: Tx,
  row: typeof notifications.$inferInsert,
): Promise<boolean> {
  const inserted = await tx
    .insert(notifications)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: notifications.id });
  return inserted.length > 0;
}

export async function listNotifications(
  tx: Tx,
  userId: string,
  filter: { unread: boolean; before?: { createdAt: Date; id: string }; limit: number },
): Promise<TNotificationRow[]> {
  const { before } = filter;
  return tx
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, userId),
        filter.unread ? isNull(notifications.readAt) : undefined,
        before
          ? or(
              lt(notifications.createdAt, before.createdAt),
              and(eq(notifications.createdAt, before.createdAt), lt(notifications.id, before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(filter.limit);
}

export async function countUnread(tx: Tx, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return row?.n ?? 0;
}

/** Marks one of the user's notifications read; false when the user has no such notification. */
export async function markRead(tx: Tx, userId: string, id: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: notifications.id, readAt: notifications.readAt })
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)));
  if (!row) return false;
  if (!row.readAt) {
    await tx.update(notifications).set({ readAt: new Date() }).where(eq(notifications.id, id));
  }
  return true;
}

export async function markAllRead(tx: Tx, userId: string): Promise<number> {
  const rows = await tx
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return rows.length;
}

export async function findPreferences(tx: Tx, userId: string): Promise<TPreferenceRow[]> {
  return tx
    .select()
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, userId));
}

export async function upsertPreference(
  tx: Tx,
  row: { userId: string; type: string; inApp: boolean; email: boolean },
): Promise<void> {
  await tx
    .insert(notificationPreferences)
    .values(row)
    .onConflictDoUpdate({
      target: [notificationPreferences.userId, notificationPreferences.type],
      set: { inApp: row.inApp, email: row.email, updatedAt: new Date() },
    });
}

export type TDigestCandidate = {
  userId: string;
  email: string;
  name: string;
  timeZone: string | null;
  hour: number;
  lastSentAt: Date | null;
};

/**
 * People with digests on and something unread from the last day: those whose digest hour may
 * have come (the caller decides in each one's time zone).
 */
export async function findDigestCandidates(tx: Tx, since: Date): Promise<TDigestCandidate[]> {
  const unread = tx
    .selectDistinct({ userId: notifications.userId })
    .from(notifications)
    .where(and(isNull(notifications.readAt), gt(notifications.createdAt, since)))
    .as('unread');
  return tx
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      timeZone: users.timeZone,
      hour: sql<number>`coalesce(${notificationDigests.hour}, 8)`.mapWith(Number),
      lastSentAt: notificationDigests.lastSentAt,
    })
    .from(unread)
    .innerJoin(users, eq(users.id, unread.userId))
    .leftJoin(notificationDigests, eq(notificationDigests.userId, unread.userId))
    .where(sql`coalesce(${notificationDigests.enabled}, true)`);
}

/**
 * The user's unread notifications created in (since, until], newest first (at most `limit`),
 * and how many there are in all.
 */
export async function findUnreadSince(
  tx: Tx,
  userId: string,
  since: Date,
  until: Date,
  limit: number,
): Promise<{ rows: TNotificationRow[]; total: number }> {
  const where = and(
    eq(notifications.userId, userId),
    isNull(notifications.readAt),
    gt(notifications.createdAt, since),
    lte(notifications.createdAt, until),
  );
  const rows = await tx
    .select()
    .from(notifications)
    .where(where)
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit);
  const [counted] = await tx.select({ n: count() }).from(notifications).where(where);
  return { rows, total: counted?.n ?? rows.length };
}

export async function findDigest(
  tx: Tx,
  userId: string,
): Promise<typeof notificationDigests.$inferSelect | undefined> {
  const [row] = await tx
    .select()
    .from(notificationDigests)
    .where(eq(notificationDigests.userId, userId));
  return row;
}

export async function upsertDigest(
  tx: Tx,
  userId: string,
  changes: { enabled?: boolean; hour?: number; lastSentAt?: Date },
): Promise<void> {
  await tx
    .insert(notificationDigests)
    .values({ userId, ...changes })
    .onConflictDoUpdate({
      target: notificationDigests.userId,
      set: { ...changes, updatedAt: new Date() },
    });
}
