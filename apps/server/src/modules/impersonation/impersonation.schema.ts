import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { impersonationEndReasons } from '@corebase/contracts';
import { sessions } from '#server/modules/identity/identity.schema';
import { idColumn } from '#server/platform/db/columns';

const timestampColumn = (name: string) =>
  timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * Platform table (no RLS): a superadmin acting as a user, one row per impersonation, from its
 * start to its end. The users are named without foreign keys: like the audit log, the record
 * outlives the accounts. The session is better-auth's (`sessions.impersonated_by` marks it).
 */
export const impersonations = pgTable(
  'impersonations',
  {
    id: idColumn(),
    adminUserId: uuid('admin_user_id').notNull(),
    userId: uuid('user_id').notNull(),
    /** The session acting as the user; null once it is gone (stopped, expired and cleaned up). */
    sessionId: uuid('session_id').references(() => sessions.id, { onDelete: 'set null' }),
    reason: text('reason').notNull(),
    startedAt: timestampColumn('started_at').notNull().defaultNow(),
    /** Fixed at the start: the session is never extended past it. */
    expiresAt: timestampColumn('expires_at').notNull(),
    endedAt: timestampColumn('ended_at'),
    endReason: text('end_reason', { enum: impersonationEndReasons }),
    /** The superadmin who stopped it. */
    endedBy: uuid('ended_by'),
  },
  (t) => [
    // One at a time per superadmin: the database refuses a second while one runs.
    uniqueIndex('impersonations_one_active_per_admin')
      .on(t.adminUserId)
      .where(sql`${t.endedAt} IS NULL`),
    index('impersonations_session_idx').on(t.sessionId),
    index('impersonations_started_idx').on(t.startedAt),
  ],
);
