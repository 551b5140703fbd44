import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  type Job,
  type JobSchedulerTemplateOptions,
  type JobType,
  type MinimalJob,
  Queue,
  UnrecoverableError,
  Worker,
  type WorkerOptions,
} from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  backoffDelay,
  JobPayloadError,
  type JobQueue,
  payloadOf,
  type TEnqueueOptions,
  type TJobDefinition,
  type TJobRegistry,
  type TJobSettled,
  type TOnSettled,
  type TQueueOptions,
  type TQueueStats,
  type TSchedule,
} from '#server/platform/jobs/jobs';

/** What the driver hands over once a job will not be tried again. */
export type TDeadLetter = {
  id: string;
  name: string;
  queue: string;
  payload: unknown;
  error: string;
  stack: string | null;
  attempts: number;
  dedupKey: string | null;
};

export type TBullmqQueueDeps = {
  redisUrl: string;
  /** BullMQ key prefix: every key is `<prefix>:<queue>:…`. */
  prefix: string;
  registry: TJobRegistry;
  logger: Logger;
  /** Jobs run at once, per queue, in this process (`queueOptions` can override it per queue). */
  concurrency: number;
  onDeadLetter: (job: TDeadLetter) => Promise<void>;
  /**
   * Called after every attempt, with no transaction (Redis has none to share). Runs before BullMQ
   * records the outcome, so a crash in between runs the job again: the hook must be idempotent.
   */
  onSettled?: TOnSettled;
  /** Per-queue concurrency and rate limit; every queue named must have a registered job. */
  queueOptions?: TQueueOptions;
  /** How often workers look for jobs whose lock ran out (BullMQ's default: 30 s). */
  stalledIntervalMs?: number;
  /**
   * How often a job may be found stalled (its process died or was force-stopped) and still run
   * again; once more and it goes to the dead letters (BullMQ's default: 1).
   */
  maxStalledCount?: number;
  /**
   * How long a running job's lock lasts without renewal, so how soon a job whose process died is
   * found stalled (BullMQ's default: 30 s).
   */
  lockDurationMs?: number;
  /**
   * How long stop() waits for running jobs; after that the workers are force-closed and those jobs
   * go back to the queue as stalled, to run again on another worker.
   */
  graceMs: number;
};

/** The job data in Redis: the validated payload and the dedup key it was enqueued under. */
type TEnvelope = { payload: unknown; dedupKey: string | null };

/**
 * Backoff types stored with each job (`corebase-exponential`, `corebase-fixed`): not BullMQ's
 * built-in names, so BullMQ calls our strategy, which adds the jitter of `backoffDelay`.
 */
const backoffPrefix = 'corebase-';

/** Finished jobs kept in Redis for inspection; dead letters also go to `onDeadLetter`. */
const keepCompleted = { count: 1000, age: 24 * 3600 };
const keepFailed = { count: 5000, age: 7 * 24 * 3600 };

/**
 * BullMQ ≥ 6 does not fail a job that stalled too often itself: it marks it, and the next worker
 * to take it fails it with this message without calling the processor.
 */
const stalledTooOften = 'job stalled more than allowable limit';

/** Finished jobs read per Redis round trip by stats(), newest first. */
const statsPage = 500;

/** BullMQ priorities run from 1 (first) to 2^21 - 1; 0 would mean "no priority". */
const maxPriority = 2 ** 21 - 1;
const defaultPriority = 100;

/** How often a scheduler upserts its schedules again (see schedule()). */
const reassertSchedulesMs = 60_000;

/**
 * BullMQ's custom backoff: the job's own definition decides (so a `schedule` needs no copy in
 * Redis); a job no longer registered falls back to the delay stored with it.
 */
function backoffStrategyOf(registry: TJobRegistry) {
  return (attemptsMade: number, type?: string, _err?: Error, job?: MinimalJob): number => {
    if (!type?.startsWith(backoffPrefix)) return 0;
    const defined = job ? registry.get(job.name)?.definition.backoff : undefined;
    if (defined) return backoffDelay(defined, attemptsMade);
    const stored = job?.opts.backoff;
    const delayMs = typeof stored === 'object' ? (stored.delay ?? 0) : 0;
    return backoffDelay({ type: 'fixed', delayMs }, attemptsMade);
  };
}

/**
 * The job's key: the one it was enqueued under, or for a job made by a job scheduler its id
 * (`repeat:<scheduler>:<tick>`), one per tick, as the inline driver keys ticks `<schedule>@<tick>`.
 */
function dedupKeyOf(job: Job<TEnvelope>): string | null {
  return job.data?.dedupKey ?? (job.repeatJobKey && job.id ? job.id : null);
}

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}

function deduplicationId(name: string, dedupKey: string): string {
  return `${name}:${createHash('sha256').update(dedupKey).digest('hex')}`;
}

function checkedPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 1 || priority > maxPriority) {
    throw new RangeError(`jobs: priority must be a whole number from 1 to ${maxPriority}`);
  }
  return priority;
}

/** The BullMQ options a job is stored with, whether enqueued or made by a job scheduler. */
function jobOptions<P>(
  definition: TJobDefinition<P>,
  priority: number,
): JobSchedulerTemplateOptions {
  return {
    attempts: definition.attempts,
    backoff: {
      type: `${backoffPrefix}${definition.backoff.type}`,
      delay:
        definition.backoff.type === 'schedule'
          ? (definition.backoff.delaysMs[0] ?? 0)
          : definition.backoff.delayMs,
    },
    priority: checkedPriority(priority),
    removeOnComplete: keepCompleted,
    removeOnFail: keepFailed,
  };
}

function checkQueueOptions(queueOptions: TQueueOptions, queues: readonly string[]): void {
  for (const [name, options] of Object.entries(queueOptions)) {
    if (!queues.includes(name)) {
      throw new Error(`jobs: queueOptions names "${name}", a queue no registered job uses`);
    }
    const { concurrency, rateLimit } = options;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new RangeError(`jobs: queue ${name}: concurrency must be a whole number ≥ 1`);
    }
    if (rateLimit && !(Number.isInteger(rateLimit.max) && rateLimit.max >= 1)) {
      throw new RangeError(`jobs: queue ${name}: rateLimit.max must be a whole number ≥ 1`);
    }
    if (rateLimit && !(rateLimit.durationMs > 0)) {
      throw new RangeError(`jobs: queue ${name}: rateLimit.durationMs must be > 0`);
    }
  }
}

/** Nearest-rank percentile; null for no values. */
function percentile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? null;
}

/** Jobs in a finished set that finished at or after `since`. */
async function finishedSince(
  queue: Queue,
  state: Extract<JobType, 'completed' | 'failed'>,
  since: number,
): Promise<Job[]> {
  const found: Job[] = [];
  // The finished sets are sorted by finish time, so reading newest first stops at the window's
  // start; retention (keepCompleted, keepFailed) bounds the rest.
  for (let start = 0; ; start += statsPage) {
    const page = await queue.getJobs([state], start, start + statsPage - 1, false);
    if (page.length === 0) return found;
    for (const job of page) {
      if ((job.finishedOn ?? 0) < since) return found;
      found.push(job);
    }
  }
}

/** Resolves true once `check()` holds, or false after `timeoutMs`. */
async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(20, left)));
  }
  return true;
}

/**
 * The Redis driver: one BullMQ `Queue` per queue name (opened on first use, sharing one
 * connection) and, once started, one `Worker` per registered queue, each on its own connection.
 * Dedup keys use BullMQ deduplication, so a key is free again once its job completed or
 * finally failed. Schedules are BullMQ job schedulers, whose tick jobs have deterministic ids
 * (`repeat:<schedule>:<tick ms>`), which is why several schedulers never run a tick twice.
 */
export function createBullmqQueue(deps: TBullmqQueueDeps): JobQueue {
  const { registry, prefix, concurrency } = deps;
  const logger = deps.logger.child({ component: 'jobs', driver: 'bullmq' });
  checkQueueOptions(deps.queueOptions ?? {}, registry.queues());
  const connections: Redis[] = [];
  const queues = new Map<string, Queue>();
  let workers: Worker[] = [];
  let stopped = false;
  let reassert: NodeJS.Timeout | undefined;
  /** Attempts inside this process's processors right now. */
  let running = 0;
  /**
   * Set when stop() gives up waiting: BullMQ records nothing for attempts that end after that
   * (their jobs run again once found stalled), so neither do we.
   */
  let abandoned = false;
  /** Errors the processor has reported already; the worker's 'failed' event sees them again. */
  const reported = new WeakSet<Error>();
  /** Failures being recorded from worker events; stop() waits for them. */
  const recording = new Set<Promise<void>>();

  function connect(forWorker: boolean): Redis {
    const redis = new Redis(deps.redisUrl, forWorker ? { maxRetriesPerRequest: null } : {});
    redis.on('error', (error: Error) =>
      logger.error({ err: error }, 'jobs: Redis connection error'),
    );
    connections.push(redis);
    return redis;
  }

  let producer: Redis | undefined;
  function queueFor(name: string): Queue {
    if (stopped) throw new Error('jobs: the queue is stopped');
    let queue = queues.get(name);
    if (!queue) {
      producer ??= connect(false);
      queue = new Queue(name, { connection: producer, prefix });
      queue.on('error', (error: Error) =>
        logger.error({ err: error, queue: name }, 'jobs: queue error'),
      );
      queues.set(name, queue);
    }
    return queue;
  }

  async function deadLetter(job: Job<TEnvelope>, error: Error, attempts: number): Promise<void> {
    const letter: TDeadLetter = {
      id: job.id ?? '',
      name: job.name,
      queue: job.queueName,
      payload: job.data?.payload,
      error: error.message,
      stack: error.stack ?? null,
      attempts,
      dedupKey: dedupKeyOf(job),
    };
    try {
      await deps.onDeadLetter(letter);
    } catch (failure) {
      // The job is still kept in BullMQ's failed set, so nothing is lost.
      logger.error(
        { err: failure, jobId: letter.id, job: letter.name },
        'jobs: dead letter not recorded',
      );
    }
  }

  async function settle(
    job: Job<TEnvelope>,
    outcome: TJobSettled['outcome'],
    attempt: number,
    durationMs: number,
  ): Promise<void> {
    if (!deps.onSettled) return;
    const settled: TJobSettled = {
      jobId: job.id ?? '',
      name: job.name,
      queue: job.queueName,
      dedupKey: dedupKeyOf(job),
      attempt,
      outcome,
      durationMs,
    };
    try {
      await deps.onSettled(settled);
    } catch (failure) {
      logger.error(
        { err: failure, jobId: settled.jobId, job: settled.name, outcome },
        'jobs: onSettled failed; the job outcome stands',
      );
    }
  }

  async function runHandler(job: Job<TEnvelope>, attempt: number, jobLogger: Logger) {
    const registered = registry.get(job.name);
    if (!registered) throw new UnrecoverableError(`jobs: no handler for "${job.name}"`);
    let payload: unknown;
    try {
      payload = payloadOf(registered.definition, job.data?.payload);
    } catch (error) {
      // A payload its schema refuses will not pass on a retry either.
      if (error instanceof JobPayloadError) throw new UnrecoverableError(error.message);
      throw error;
    }
    await registered.handler(payload, {
      jobId: job.id ?? '',
      attempt,
      dedupKey: dedupKeyOf(job),
      logger: jobLogger,
    });
  }

  async function attemptJob(queueName: string, job: Job<TEnvelope>): Promise<void> {
    const attempt = job.attemptsMade + 1;
    const jobLogger = logger.child({ jobId: job.id, job: job.name, queue: queueName, attempt });
    const startedAt = performance.now();
    let failure: Error | undefined;
    try {
      await runHandler(job, attempt, jobLogger);
    } catch (thrown) {
      failure = toError(thrown);
    }
    const durationMs = Math.round(performance.now() - startedAt);
    if (abandoned) {
      jobLogger.warn(
        { err: failure },
        'jobs: attempt ended after stop() gave up on it; the job will run again',
      );
      if (!failure) return;
      reported.add(failure);
      throw failure;
    }
    if (!failure) {
      await settle(job, 'completed', attempt, durationMs);
      return;
    }
    const final =
      failure instanceof UnrecoverableError ||
      failure.name === 'UnrecoverableError' ||
      attempt >= (job.opts.attempts ?? 1);
    if (final) {
      jobLogger.error({ err: failure }, 'jobs: job failed for good');
      await deadLetter(job, failure, attempt);
    } else {
      jobLogger.warn({ err: failure }, 'jobs: attempt failed, will retry');
    }
    await settle(job, final ? 'dead' : 'retrying', attempt, durationMs);
    reported.add(failure);
    throw failure;
  }

  function processorFor(queueName: string) {
    return async (job: Job<TEnvelope>): Promise<void> => {
      running += 1;
      try {
        await attemptJob(queueName, job);
      } finally {
        running -= 1;
      }
    };
  }

  /** A failure BullMQ decided without calling the processor: a job that stalled too often. */
  async function recordUnprocessedFailure(job: Job<TEnvelope>, error: Error): Promise<void> {
    // Stalled runs do not count in attemptsMade; attemptsStarted counts them, and the pick-up that
    // only failed the job. finishedOn is set only when the failure was final.
    const attempts = Math.max(job.attemptsMade, job.attemptsStarted - 1);
    const final = job.finishedOn !== undefined;
    logger[final ? 'error' : 'warn'](
      { err: error, jobId: job.id, job: job.name, queue: job.queueName, attempts },
      error.message === stalledTooOften
        ? 'jobs: job stalled too often, failed for good'
        : 'jobs: job failed without running',
    );
    if (final) await deadLetter(job, error, attempts);
    await settle(job, final ? 'dead' : 'retrying', attempts, 0);
  }

  function onWorkerFailed(job: Job<TEnvelope> | undefined, error: Error): void {
    if (reported.has(error)) return;
    if (!job) {
      // BullMQ passes no job when removeOnFail already deleted it.
      logger.error(
        { err: error },
        'jobs: a job failed without running and is gone; no dead letter',
      );
      return;
    }
    const recorded: Promise<void> = recordUnprocessedFailure(job, error).finally(() =>
      recording.delete(recorded),
    );
    recording.add(recorded);
  }

  function startWorker(name: string): Worker {
    const options = deps.queueOptions?.[name];
    const rateLimit = options?.rateLimit;
    const workerOptions: WorkerOptions = {
      connection: connect(true),
      prefix,
      concurrency: options?.concurrency ?? concurrency,
      settings: { backoffStrategy: backoffStrategyOf(registry) },
      // BullMQ lays the options over its defaults, so a key set to undefined would erase one.
      ...(rateLimit ? { limiter: { max: rateLimit.max, duration: rateLimit.durationMs } } : {}),
      ...(deps.stalledIntervalMs === undefined ? {} : { stalledInterval: deps.stalledIntervalMs }),
      ...(deps.maxStalledCount === undefined ? {} : { maxStalledCount: deps.maxStalledCount }),
      ...(deps.lockDurationMs === undefined ? {} : { lockDuration: deps.lockDurationMs }),
    };
    const worker = new Worker<TEnvelope>(name, processorFor(name), workerOptions);
    worker.on('error', (error: Error) =>
      logger.error({ err: error, queue: name }, 'jobs: worker error'),
    );
    worker.on('failed', onWorkerFailed);
    return worker;
  }

  return {
    async enqueue<P>(definition: TJobDefinition<P>, payload: P, options: TEnqueueOptions = {}) {
      // Throws a JobPayloadError before anything reaches Redis.
      const parsed = payloadOf(definition, payload);
      if (stopped) throw new Error('jobs: the queue is stopped');
      if (!registry.get(definition.name)) {
        throw new Error(`jobs: "${definition.name}" has no registered handler`);
      }
      const dedupKey = options.dedupKey ?? definition.dedupKey?.(parsed) ?? null;
      const priority = options.priority ?? definition.priority ?? defaultPriority;
      const jobId = randomUUID();
      const data: TEnvelope = { payload: parsed, dedupKey };
      const job = await queueFor(definition.queue).add(definition.name, data, {
        ...jobOptions(definition, priority),
        jobId,
        delay: Math.max(0, options.delayMs ?? 0),
        ...(dedupKey === null
          ? {}
          : { deduplication: { id: deduplicationId(definition.name, dedupKey) } }),
      });
      // When deduplicated, BullMQ answers with the job already holding the key.
      const id = job.id ?? jobId;
      return { id, deduplicated: id !== jobId };
    },

    async start() {
      if (stopped) throw new Error('jobs: the queue is stopped');
      if (workers.length > 0) return;
      workers = registry.queues().map(startWorker);
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
      logger.info({ queues: registry.queues(), concurrency }, 'jobs: workers started');
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(reassert);
      // Paused workers take no new job; pause(true) returns without waiting for the running ones.
      await Promise.allSettled(workers.map((worker) => worker.pause(true)));
      const drained = await waitUntil(() => running === 0, deps.graceMs);
      if (!drained) {
        abandoned = true;
        logger.warn(
          { running, graceMs: deps.graceMs },
          'jobs: jobs still running after the grace period; they will run again elsewhere',
        );
      }
      // close() lets BullMQ record the jobs that just finished. close(true) walks away from the
      // running ones: their locks are no longer renewed, so another worker finds them stalled.
      await Promise.allSettled(workers.map((worker) => worker.close(!drained)));
      workers = [];
      await Promise.allSettled([...recording]);
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      queues.clear();
      await Promise.allSettled(connections.map((redis) => redis.quit()));
      connections.length = 0;
    },

    async schedule(schedules: readonly TSchedule[]) {
      if (stopped) throw new Error('jobs: the queue is stopped');
      const names = new Set<string>();
      const wanted = new Map<string, Set<string>>();
      // Everything is checked before Redis is touched, so a bad list changes nothing.
      const upserts = schedules.map((schedule) => {
        if (names.has(schedule.name)) {
          throw new Error(`jobs: two schedules are named "${schedule.name}"`);
        }
        names.add(schedule.name);
        if (!registry.get(schedule.job.name)) {
          throw new Error(`jobs: schedule ${schedule.name}: "${schedule.job.name}" has no handler`);
        }
        if ((schedule.cron === undefined) === (schedule.everyMs === undefined)) {
          throw new TypeError(
            `jobs: schedule ${schedule.name}: give exactly one of cron or everyMs`,
          );
        }
        const payload: unknown = payloadOf(schedule.job, schedule.payload);
        const data: TEnvelope = { payload, dedupKey: null };
        const queue = schedule.job.queue;
        wanted.set(queue, (wanted.get(queue) ?? new Set()).add(schedule.name));
        return {
          queue,
          id: schedule.name,
          repeat:
            schedule.cron === undefined
              ? { every: schedule.everyMs }
              : { pattern: schedule.cron, tz: 'UTC' },
          template: {
            name: schedule.job.name,
            data,
            opts: jobOptions(schedule.job, schedule.job.priority ?? defaultPriority),
          },
        };
      });
      // Upserting an unchanged scheduler keeps its next tick, so every process can call this.
      const upsertAll = async () => {
        for (const { queue, id, repeat, template } of upserts) {
          await queueFor(queue).upsertJobScheduler(id, repeat, template);
        }
      };
      await upsertAll();
      // Every scheduler prunes what it does not know: during a rolling deploy an older process
      // starting after a newer one removes the newer schedules. Each scheduler re-asserts its own
      // every minute, so such a removal lasts at most that long.
      clearInterval(reassert);
      reassert = setInterval(() => {
        upsertAll().catch((error: unknown) =>
          logger.warn({ err: error }, 'jobs: re-asserting schedules failed'),
        );
      }, reassertSchedulesMs);
      reassert.unref();
      for (const name of registry.queues()) {
        const queue = queueFor(name);
        for (const scheduler of await queue.getJobSchedulers(0, -1)) {
          if (wanted.get(name)?.has(scheduler.key)) continue;
          await queue.removeJobScheduler(scheduler.key);
          logger.info({ schedule: scheduler.key, queue: name }, 'jobs: schedule removed');
        }
      }
    },

    async stats(windowMinutes = 15, options = {}) {
      if (!(windowMinutes > 0)) throw new RangeError('jobs: windowMinutes must be > 0');
      const countsOnly = options.countsOnly === true;
      const since = Date.now() - windowMinutes * 60_000;
      return Promise.all(
        registry.queues().map(async (name): Promise<TQueueStats> => {
          const queue = queueFor(name);
          const [counts, completed, failed] = await Promise.all([
            queue.getJobCounts(
              'waiting',
              'prioritized',
              'delayed',
              'active',
              'completed',
              'failed',
            ),
            countsOnly ? [] : finishedSince(queue, 'completed', since),
            countsOnly ? [] : finishedSince(queue, 'failed', since),
          ]);
          const finished = completed.length + failed.length;
          const durations = completed.map(
            (job) => (job.finishedOn ?? 0) - (job.processedOn ?? job.finishedOn ?? 0),
          );
          return {
            queue: name,
            counts: {
              // BullMQ keeps jobs with a priority apart from plain waiting ones.
              waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
              delayed: counts.delayed ?? 0,
              active: counts.active ?? 0,
              completed: counts.completed ?? 0,
              failed: counts.failed ?? 0,
            },
            windowMinutes,
            throughputPerMinute: finished / windowMinutes,
            failureRate: finished === 0 ? 0 : failed.length / finished,
            p95DurationMs: percentile(durations, 0.95),
          };
        }),
      );
    },
  };
}
