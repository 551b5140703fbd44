import { createHash, randomUUID } from 'node:crypto';
import { type Job, type MinimalJob, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  backoffDelay,
  JobPayloadError,
  type JobQueue,
  payloadOf,
  type TBackoff,
  type TEnqueueOptions,
  type TJobDefinition,
  type TJobRegistry,
} from './jobs';

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
  /** Jobs run at once, per queue, in this process. */
  concurrency: number;
  onDeadLetter: (job: TDeadLetter) => Promise<void>;
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

/** BullMQ priorities run from 1 (first) to 2^21 - 1; 0 would mean "no priority". */
const maxPriority = 2 ** 21 - 1;
const defaultPriority = 100;

function backoffStrategy(
  attemptsMade: number,
  type?: string,
  _err?: Error,
  job?: MinimalJob,
): number {
  const kind = type?.startsWith(backoffPrefix) ? type.slice(backoffPrefix.length) : undefined;
  if (kind !== 'exponential' && kind !== 'fixed') return 0;
  const stored = job?.opts.backoff;
  const backoff: TBackoff = {
    type: kind,
    delayMs: typeof stored === 'object' ? (stored.delay ?? 0) : 0,
  };
  return backoffDelay(backoff, attemptsMade);
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

/**
 * The Redis driver: one BullMQ `Queue` per queue name (opened on first enqueue, sharing one
 * connection) and, once started, one `Worker` per registered queue, each on its own connection.
 * Dedup keys use BullMQ deduplication, so a key is free again once its job completed or
 * finally failed.
 */
export function createBullmqQueue(deps: TBullmqQueueDeps): JobQueue {
  const { registry, prefix, concurrency } = deps;
  const logger = deps.logger.child({ component: 'jobs', driver: 'bullmq' });
  const connections: Redis[] = [];
  const queues = new Map<string, Queue>();
  let workers: Worker[] = [];
  let stopped = false;

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
      dedupKey: job.data?.dedupKey ?? null,
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

  function processorFor(queueName: string) {
    return async (job: Job<TEnvelope>): Promise<void> => {
      const attempt = job.attemptsMade + 1;
      const jobLogger = logger.child({ jobId: job.id, job: job.name, queue: queueName, attempt });
      try {
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
          dedupKey: job.data?.dedupKey ?? null,
          logger: jobLogger,
        });
      } catch (thrown) {
        const error = toError(thrown);
        const final =
          error instanceof UnrecoverableError ||
          error.name === 'UnrecoverableError' ||
          attempt >= (job.opts.attempts ?? 1);
        if (final) {
          jobLogger.error({ err: error }, 'jobs: job failed for good');
          await deadLetter(job, error, attempt);
        } else {
          jobLogger.warn({ err: error }, 'jobs: attempt failed, will retry');
        }
        throw error;
      }
    };
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
      const priority = checkedPriority(options.priority ?? definition.priority ?? defaultPriority);
      const jobId = randomUUID();
      const data: TEnvelope = { payload: parsed, dedupKey };
      const job = await queueFor(definition.queue).add(definition.name, data, {
        jobId,
        attempts: definition.attempts,
        backoff: {
          type: `${backoffPrefix}${definition.backoff.type}`,
          delay: definition.backoff.delayMs,
        },
        priority,
        delay: Math.max(0, options.delayMs ?? 0),
        removeOnComplete: keepCompleted,
        removeOnFail: keepFailed,
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
      workers = registry.queues().map((name) => {
        const worker = new Worker<TEnvelope>(name, processorFor(name), {
          connection: connect(true),
          prefix,
          concurrency,
          settings: { backoffStrategy },
        });
        worker.on('error', (error: Error) =>
          logger.error({ err: error, queue: name }, 'jobs: worker error'),
        );
        return worker;
      });
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
      logger.info({ queues: registry.queues(), concurrency }, 'jobs: workers started');
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      // Workers first: close() stops fetching and waits for the running jobs.
      await Promise.allSettled(workers.map((worker) => worker.close()));
      workers = [];
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      queues.clear();
      await Promise.allSettled(connections.map((redis) => redis.quit()));
      connections.length = 0;
    },
  };
}
