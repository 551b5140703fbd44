import { and, count, desc, eq, isNull, lt, or } from 'drizzle-orm';
import {
  notificationPreferences,
  notifications,
} from '#server/modules/notifications/notifications.schema';
import type { Tx } from '#server/platform/db/database';

export type TNotificationRow = typeof notifications.$inferSelect;
export type TPreferenceRow = typeof notificationPreferences.$inferSelect;

// Platform tables: every query names the user whose rows it touches.

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
