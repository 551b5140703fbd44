import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn } from '#server/platform/db/columns';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** One failed attempt, kept on the job and copied to its dead letter. */
export type TAttemptRecord = { attempt: number; error: string; at: string };

/**
 * Platform table (no RLS), reached by the job platform only, as the maintenance role: the inline
 * driver's queue. A job is a row, so a crash loses nothing and a restart resumes it: a running
 * row whose lease (`locked_until`) ran out is taken again.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: idColumn(),
    name: text('name').notNull(),
    queue: text('queue').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['waiting', 'running', 'completed', 'failed'] })
      .notNull()
      .default('waiting'),
    priority: integer('priority').notNull().default(100),
    attemptsMade: integer('attempts_made').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    runAt: at('run_at').notNull().defaultNow(),
    dedupKey: text('dedup_key'),
    lockedUntil: at('locked_until'),
    history: jsonb('history').$type<TAttemptRecord[]>().notNull().default([]),
    createdAt: createdAtColumn(),
    /** When the latest attempt started: run time is finished_at - started_at. */
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [
    index('jobs_finished_idx').on(t.status, t.finishedAt),
    index('jobs_claim_idx').on(t.queue, t.status, t.priority, t.runAt),
    // One waiting or running job per key: enqueueing it again is a no-op.
    uniqueIndex('jobs_dedup_idx')
      .on(t.name, t.dedupKey)
      .where(sql`${t.dedupKey} IS NOT NULL AND ${t.status} IN ('waiting', 'running')`),
  ],
);

/**
 * Platform table (no RLS): jobs that used up their attempts (or could never succeed), with what
 * is needed to understand and retry them. Both drivers write here.
 */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: idColumn(),
    jobId: text('job_id').notNull(),
    name: text('name').notNull(),
    queue: text('queue').notNull(),
    payload: jsonb('payload').notNull(),
    dedupKey: text('dedup_key'),
    error: text('error').notNull(),
    stack: text('stack'),
    attempts: integer('attempts').notNull(),
    history: jsonb('history').$type<TAttemptRecord[]>().notNull().default([]),
    createdAt: createdAtColumn(),
  },
  (t) => [index('dead_letters_created_idx').on(t.createdAt)],
);

/**
 * Platform table (no RLS): the inline driver's repeatable jobs. A scheduler claims a due row
 * FOR UPDATE SKIP LOCKED, enqueues that tick's job and moves `next_run_at` on in one
 * transaction, so with several schedulers each tick runs once.
 */
export const jobSchedules = pgTable('job_schedules', {
  name: text('name').primaryKey(),
  jobName: text('job_name').notNull(),
  /** What the timing was computed from (`cron:<pattern>` or `every:<ms>`): a change restarts it. */
  timing: text('timing').notNull(),
  payload: jsonb('payload').notNull(),
  nextRunAt: at('next_run_at').notNull(),
  lastRunAt: at('last_run_at'),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/**
 * Platform table (no RLS): database effects already applied, keyed by a job's dedup key. A job
 * that runs again (its worker died after the effect committed, or an event was delivered twice)
 * finds its key here and skips the effect: see `applyOnce`.
 */
export const jobEffects = pgTable('job_effects', {
  key: text('key').primaryKey(),
  createdAt: createdAtColumn(),
});
