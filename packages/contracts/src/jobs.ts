import { z } from 'zod';

/** One failed attempt of a job. */
export const ZJobAttempt = z.object({
  attempt: z.number().int(),
  error: z.string(),
  at: z.iso.datetime({ offset: true }),
});

/** A job that used up its attempts (or could never succeed), kept for a person to look at. */
export const ZDeadLetter = z.object({
  id: z.uuid(),
  jobId: z.string(),
  name: z.string(),
  queue: z.string(),
  payload: z.unknown(),
  dedupKey: z.string().nullable(),
  error: z.string(),
  stack: z.string().nullable(),
  attempts: z.number().int(),
  history: z.array(ZJobAttempt),
  createdAt: z.iso.datetime({ offset: true }),
});
export type TDeadLetterView = z.infer<typeof ZDeadLetter>;

export const ZListDeadLettersQuery = z.object({
  /** Only this job's dead letters (`area.verb`). */
  name: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const ZDeadLetterPage = z.object({
  data: z.array(ZDeadLetter),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});

export const ZDeadLetterParams = z.object({ id: z.uuid() });

/** Dead letters to act on, one or many at once. */
export const ZDeadLetterIds = z.object({
  ids: z.array(z.uuid()).min(1, 'at least one id').max(500, 'at most 500 at once'),
});

export const ZDeadLetterOutcome = z.object({
  /** Enqueued again as new jobs (their dead letters removed), with the new job ids. */
  retried: z.array(z.object({ id: z.uuid(), jobId: z.string() })),
  /** Removed without running again. */
  discarded: z.array(z.uuid()),
  /** Not acted on, with why: not found, or no job of that name here any more. */
  skipped: z.array(z.object({ id: z.uuid(), reason: z.enum(['not_found', 'unknown_job']) })),
});
export type TDeadLetterOutcome = z.infer<typeof ZDeadLetterOutcome>;

/** Jobs per state in one queue, as its driver counts them now. */
export const ZQueueCounts = z.object({
  waiting: z.number().int(),
  delayed: z.number().int(),
  active: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});

/** One queue's health over the last `windowMinutes`. */
export const ZQueueStats = z.object({
  queue: z.string(),
  counts: ZQueueCounts,
  windowMinutes: z.number().int(),
  /** Jobs finished (completed or failed for good) per minute, over the window. */
  throughputPerMinute: z.number(),
  /** Failed for good / finished, over the window; 0 when nothing finished. */
  failureRate: z.number(),
  /** p95 of the run time of jobs completed in the window; null when none completed. */
  p95DurationMs: z.number().nullable(),
});
export type TQueueStatsView = z.infer<typeof ZQueueStats>;

export const ZQueueStatsQuery = z.object({
  /** The window throughput, failure rate and p95 are measured over, in minutes (up to a day). */
  windowMinutes: z.coerce.number().int().min(1).max(1440).default(15),
});

/** Every registered queue's health, and which job driver runs them. */
export const ZQueueStatsPage = z.object({
  /** `inline`: jobs are rows in the database; `bullmq`: jobs are in Redis. */
  driver: z.enum(['inline', 'bullmq']),
  windowMinutes: z.number().int(),
  queues: z.array(ZQueueStats),
});
export type TQueueStatsPage = z.infer<typeof ZQueueStatsPage>;
