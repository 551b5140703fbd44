import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn } from '#server/platform/db/columns';

/**
 * Platform table (no RLS): the dispatcher reads it across tenants. Rows are written by
 * `events.emit` in the same transaction as the change they announce, so an event exists exactly
 * when its change committed.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: idColumn(),
    orgId: uuid('org_id'),
    name: text('name').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['pending', 'dispatched', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    requestId: text('request_id'),
    availableAt: timestamp('available_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAtColumn(),
  },
  (t) => [index('outbox_pending_idx').on(t.status, t.availableAt)],
);
