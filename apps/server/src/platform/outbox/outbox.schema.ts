import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn } from '#server/platform/db/columns';

/**
 * Platform table (no RLS): the dispatcher reads it across tenants. Rows are written by
 * `events.emit` in the same transaction as the change they announce, so an event exists exactly
 * when its change committed.
 *
 * `pending` until the dispatcher enqueued a job per subscriber (`expected_jobs`), `dispatched`
 * until each of those jobs settled (`acked_jobs`: completed, or moved to the dead letters), then
 * `delivered`. A dispatched row whose jobs vanished (Redis restarted empty) is found by the
 * reconciler and its missing jobs enqueued again.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: idColumn(),
    orgId: uuid('org_id'),
    name: text('name').notNull(),
    /** The catalogue version of the payload's shape (`packages/contracts` events). */
    version: integer('version').notNull().default(1),
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['pending', 'dispatched', 'delivered'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    requestId: text('request_id'),
    availableAt: timestamp('available_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true, mode: 'date' }),
    expectedJobs: text('expected_jobs')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    ackedJobs: text('acked_jobs')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAtColumn(),
  },
  (t) => [
    index('outbox_pending_idx').on(t.status, t.availableAt),
    index('outbox_dispatched_idx')
      .on(t.dispatchedAt)
      .where(sql`${t.status} = 'dispatched'`),
  ],
);
