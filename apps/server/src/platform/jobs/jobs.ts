import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { Tx } from '#server/platform/db/database';

/**
 * How long to wait before the next attempt: `exponential` doubles `delayMs` per attempt made,
 * `fixed` waits `delayMs` each time, `schedule` waits `delaysMs[n]` after the n-th failure (the
 * last entry again once the list runs out). All get up to 20 % jitter, so jobs that failed
 * together (a provider down) do not all come back in the same millisecond.
 */
export type TBackoff =
  | { type: 'exponential' | 'fixed'; delayMs: number }
  | { type: 'schedule'; delaysMs: readonly number[] };

export type TJobDefinition<P = unknown> = {
  /** `area.verb`, unique across the registry: `companies.import-csv`. */
  name: string;
  /** Which queue (and so which concurrency and rate budget) runs it. */
  queue: string;
  /** Checked when the job is enqueued and again when a worker receives it. */
  schema: ZodType<P>;
  /** Attempts in all, the first included. */
  attempts: number;
  backoff: TBackoff;
  /** 1 runs first; larger numbers wait. Default 100. */
  priority?: number;
  /**
   * A job with the same key as one waiting or running is not enqueued again (idempotent enqueue),
   * and handlers can key their database effects on it.
   */
  dedupKey?: (payload: P) => string;
};

const jobName = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const queueName = /^[a-z][a-z0-9-]*$/;

/** A job, declared once; its handler is registered beside it in the owning module's `*.jobs.ts`. */
export function defineJob<P>(definition: TJobDefinition<P>): TJobDefinition<P> {
  if (!jobName.test(definition.name)) {
    throw new TypeError(`defineJob: "${definition.name}" is not a job name (expected area.verb)`);
  }
  if (!queueName.test(definition.queue)) {
    throw new TypeError(`defineJob ${definition.name}: "${definition.queue}" is not a queue name`);
  }
  if (!Number.isInteger(definition.attempts) || definition.attempts < 1) {
    throw new TypeError(`defineJob ${definition.name}: attempts must be a whole number ≥ 1`);
  }
  const delays =
    definition.backoff.type === 'schedule'
      ? definition.backoff.delaysMs
      : [definition.backoff.delayMs];
  if (delays.length === 0 || !delays.every((delay) => delay >= 0)) {
    throw new TypeError(
      `defineJob ${definition.name}: backoff delays must be ≥ 0 (and at least one)`,
    );
  }
  return Object.freeze({ ...definition });
}

export type TJobContext = {
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  dedupKey: string | null;
  logger: Logger;
};

export type TJobHandler<P = unknown> = (payload: P, context: TJobContext) => Promise<void>;

export type TRegisteredJob<P = unknown> = {
  definition: TJobDefinition<P>;
  handler: TJobHandler<P>;
};

/**
 * Pairs a definition with its handler, typed together; the registry holds them erased (the
 * payload is validated against the definition's schema before the handler sees it).
 */
export function handle<P>(definition: TJobDefinition<P>, handler: TJobHandler<P>): TRegisteredJob {
  return { definition, handler } as unknown as TRegisteredJob;
}

export type TJobRegistry = {
  get(name: string): TRegisteredJob | undefined;
  all(): readonly TRegisteredJob[];
  queues(): readonly string[];
};

/**
 * The one list of jobs. Start-up fails when two entries claim one name, or when a definition
 * that code enqueues (`declared`) has no handler here.
 */
export function createJobRegistry(
  jobs: readonly TRegisteredJob[],
  declared: readonly { name: string }[] = [],
): TJobRegistry {
  const byName = new Map<string, TRegisteredJob>();
  for (const job of jobs) {
    if (byName.has(job.definition.name)) {
      throw new Error(`jobs: two handlers claim "${job.definition.name}"`);
    }
    byName.set(job.definition.name, job);
  }
  const missing = declared.map((d) => d.name).filter((name) => !byName.has(name));
  if (missing.length > 0) throw new Error(`jobs: no handler for ${missing.join(', ')}`);
  const all = [...byName.values()];
  return {
    get: (name) => byName.get(name),
    all: () => all,
    queues: () => [...new Set(all.map((j) => j.definition.queue))].sort(),
  };
}

/** A payload its job's schema refuses: at enqueue nothing is written; on receipt, no retry. */
export class JobPayloadError extends Error {
  constructor(
    readonly job: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(
      `job ${job}: bad payload: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    );
    this.name = 'JobPayloadError';
  }
}

/** The payload as its schema reads it, or a JobPayloadError naming each bad field. */
export function payloadOf<P>(definition: TJobDefinition<P>, payload: unknown): P {
  const parsed = definition.schema.safeParse(payload);
  if (!parsed.success) {
    throw new JobPayloadError(
      definition.name,
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}

/** The delay before attempt `attempt + 1`, after `attempt` attempts failed. */
export function backoffDelay(
  backoff: TBackoff,
  attemptsMade: number,
  random = Math.random,
): number {
  const base =
    backoff.type === 'schedule'
      ? backoff.delaysMs[Math.min(Math.max(0, attemptsMade - 1), backoff.delaysMs.length - 1)]!
      : backoff.type === 'exponential'
        ? backoff.delayMs * 2 ** Math.max(0, attemptsMade - 1)
        : backoff.delayMs;
  return Math.round(base * (1 - 0.2 * random()));
}

export type TEnqueueOptions = {
  /** Run no sooner than this many milliseconds from now. */
  delayMs?: number;
  priority?: number;
  /** Overrides the definition's dedupKey. */
  dedupKey?: string;
};

export type TEnqueued = { id: string; deduplicated: boolean };

/**
 * A repeatable job, owned by the scheduler role: at each tick one job is enqueued, however many
 * schedulers run (the tick is claimed in the database by the inline driver, and by BullMQ's
 * `upsertJobScheduler` on Redis). Ticks missed while no scheduler ran are not made up: the next
 * tick after start-up runs once.
 */
export type TSchedule = {
  /** Unique: `area.what`, e.g. `auth.purge-expired`. */
  name: string;
  job: TJobDefinition<never>;
  payload: unknown;
  /** Exactly one of: a five-field cron pattern (UTC) or a fixed interval. */
  cron?: string;
  everyMs?: number;
};

/** A repeatable job, typed against its job's payload. */
export function defineSchedule<P>(schedule: {
  name: string;
  job: TJobDefinition<P>;
  payload: P;
  cron?: string;
  everyMs?: number;
}): TSchedule {
  if (!jobName.test(schedule.name)) {
    throw new TypeError(`defineSchedule: "${schedule.name}" is not a schedule name (area.what)`);
  }
  if ((schedule.cron === undefined) === (schedule.everyMs === undefined)) {
    throw new TypeError(`defineSchedule ${schedule.name}: give exactly one of cron or everyMs`);
  }
  if (
    schedule.everyMs !== undefined &&
    !(Number.isInteger(schedule.everyMs) && schedule.everyMs > 0)
  ) {
    throw new TypeError(`defineSchedule ${schedule.name}: everyMs must be a whole number > 0`);
  }
  payloadOf(schedule.job, schedule.payload);
  return Object.freeze({ ...schedule, job: schedule.job as unknown as TJobDefinition<never> });
}

/** How a job attempt ended, as drivers report it to `onSettled` (metrics, outbox acknowledgement). */
export type TJobSettled = {
  jobId: string;
  name: string;
  queue: string;
  dedupKey: string | null;
  attempt: number;
  /** `retrying`: the attempt failed and another follows; `dead`: moved to the dead letters. */
  outcome: 'completed' | 'retrying' | 'dead';
  durationMs: number;
};

/**
 * Called by a driver after every attempt. The inline driver passes its transaction, so what the
 * hook writes (an outbox acknowledgement) commits with the job's outcome; BullMQ passes none.
 * A hook that throws is logged; the job's outcome stands.
 */
export type TOnSettled = (settled: TJobSettled, tx?: Tx) => Promise<void>;

/** Per-queue settings beside the driver-wide concurrency. */
export type TQueueOptions = Record<
  string,
  {
    /** Jobs of this queue run at once per process (defaults to the driver's concurrency). */
    concurrency?: number;
    /** At most `max` jobs started per `durationMs` across all workers (BullMQ; inline per process). */
    rateLimit?: { max: number; durationMs: number };
  }
>;

/** Per-queue figures for the operations API and `/metrics`, over the last `windowMinutes`. */
export type TQueueStats = {
  queue: string;
  counts: { waiting: number; delayed: number; active: number; completed: number; failed: number };
  windowMinutes: number;
  /** Jobs finished (completed or failed for good) per minute, over the window. */
  throughputPerMinute: number;
  /** Failed for good / finished, over the window; 0 when nothing finished. */
  failureRate: number;
  /** p95 of run time of jobs completed in the window, null when none completed. */
  p95DurationMs: number | null;
};

/**
 * A job queue driver: the inline one (rows in the database, processed in this process) or BullMQ
 * (Redis). Enqueueing validates the payload first: a bad one throws and nothing is written.
 */
export type JobQueue = {
  enqueue<P>(
    definition: TJobDefinition<P>,
    payload: P,
    options?: TEnqueueOptions,
  ): Promise<TEnqueued>;
  /** Starts processing every registered queue (the worker role). */
  start(): Promise<void>;
  /** Stops taking jobs and waits for the running ones (up to the grace period). */
  stop(): Promise<void>;
  /**
   * Starts the given repeatable jobs (the scheduler role); schedules this driver knows that are
   * not in the list are removed. Calling it in several processes is safe: each tick runs once.
   */
  schedule(schedules: readonly TSchedule[]): Promise<void>;
  /**
   * Counts, throughput, failure rate and p95 duration per registered queue. `countsOnly` skips
   * reading finished jobs (what `/metrics` scrapes need): the window figures are then zero.
   */
  stats(windowMinutes?: number, options?: { countsOnly?: boolean }): Promise<TQueueStats[]>;
};
