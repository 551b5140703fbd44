import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { organizations, users } from '#server/modules/identity/identity.schema';
import { createdAtColumn, idColumn, updatedAtColumn } from '#server/platform/db/columns';

/**
 * Platform table (no RLS), like memberships: a person's notifications, across their
 * organizations. Reached only through the notifications module, every query filtered by user.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: idColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id').references(() => organizations.id, { onDelete: 'cascade' }),
    /** The event that caused it: one notification per person and event. */
    eventId: uuid('event_id').notNull(),
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    link: text('link'),
    readAt: timestamp('read_at', { withTimezone: true, mode: 'date', precision: 3 }),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('notifications_event_user_idx').on(t.eventId, t.userId),
    index('notifications_user_created_idx').on(t.userId, t.createdAt),
    index('notifications_unread_idx')
      .on(t.userId)
      .where(sql`${t.readAt} IS NULL`),
  ],
);

/** Platform table (no RLS): a person's channels per notification type (defaults otherwise). */
export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    inApp: boolean('in_app').notNull(),
    email: boolean('email').notNull(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.type] })],
);

/**
 * Platform table (no RLS): a person's daily digest of unread notifications. No row: on, at 08:00
 * in their time zone (`users.time_zone`, UTC when unset).
 */
export const notificationDigests = pgTable('notification_digests', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  enabled: boolean('enabled').notNull().default(true),
  hour: integer('hour').notNull().default(8),
  lastSentAt: timestamp('last_sent_at', { withTimezone: true, mode: 'date', precision: 3 }),
  updatedAt: updatedAtColumn(),
});
