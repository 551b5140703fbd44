import { and, asc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { newId } from '#server/platform/db/columns';
import type { Tenancy } from '#server/platform/db/tenancy';
import { recordDeadLetter } from '#server/platform/jobs/dead-letters';
import {
  backoffDelay,
  payloadOf,
  type JobQueue,
  type TJobRegistry,
} from '#server/platform/jobs/jobs';
import { jobs, type TAttemptRecord } from '#server/platform/jobs/jobs.schema';

export type TInlineQueueDeps = {
  tenancy: Tenancy;
  registry: TJobRegistry;
  logger: Logger;
  /** Jobs of one queue running at once in this process. */
  concurrency: number;
  /** How often an idle queue looks for due jobs (enqueueing here wakes it at once). */
  pollMs: number;
  /** How long a claimed job is this process's; a job still running after that is taken again. */
  leaseMs: number;
  /** How long stop() waits for running jobs before giving up on them (they are taken again). */
  graceMs: number;
};

type TJobRow = typeof jobs.$inferSelect;

const errorText = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * The embedded driver: jobs are rows in the database (PGlite or PostgreSQL), claimed with
 * `FOR UPDATE SKIP LOCKED` so several processes on one PostgreSQL never run a job twice, and
 * leased so a job whose process died is run again. Everything runs as the maintenance role.
 */
export function createInlineQueue(deps: TInlineQueueDeps): JobQueue & {
  /** Runs what is due now, once, and waits for it: for tests and one-shot commands. */
  drain(): Promise<number>;
} {
  const { tenancy, registry, logger } = deps;
  let running = false;
  const active = new Set<Promise<void>>();
  const wakers = new Map<string, () => void>();
  const loops: Promise<void>[] = [];

  /** Takes up to `limit` due jobs of a queue (or ones whose lease ran out), highest priority first. */
  const claimJobs = async (queue: string, limit: number): Promise<TJobRow[]> =>
    tenancy.withMaintenance(async (tx) => {
      const due = tx
        .select({ id: jobs.id })
        .from(jobs)
        .where(
          and(
            eq(jobs.queue, queue),
            or(
              and(eq(jobs.status, 'waiting'), lte(jobs.runAt, sql`now()`)),
              and(eq(jobs.status, 'running'), lt(jobs.lockedUntil, sql`now()`)),
            ),
          ),
        )
        .orderBy(asc(jobs.priority), asc(jobs.runAt), asc(jobs.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      const rows = await tx
        .update(jobs)
        .set({
          status: 'running',
          attemptsMade: sql`${jobs.attemptsMade} + 1`,
          lockedUntil: sql`now() + make_interval(secs => ${deps.leaseMs / 1000})`,
        })
        .where(inArray(jobs.id, due))
        .returning();
      return rows.sort((x, y) => x.priority - y.priority || +x.runAt - +y.runAt);
    });

  const finish = async (row: TJobRow, error?: unknown, unrecoverable = false) => {
    await tenancy.withMaintenance(async (tx) => {
      if (error === undefined) {
        await tx
          .update(jobs)
          .set({ status: 'completed', lockedUntil: null, finishedAt: new Date() })
          .where(eq(jobs.id, row.id));
        return;
      }
      const history: TAttemptRecord[] = [
        ...row.history,
        { attempt: row.attemptsMade, error: errorText(error), at: new Date().toISOString() },
      ];
      const definition = registry.get(row.name)?.definition;
      if (unrecoverable || !definition || row.attemptsMade >= row.maxAttempts) {
        await tx
          .update(jobs)
          .set({ status: 'failed', lockedUntil: null, finishedAt: new Date(), history })
          .where(eq(jobs.id, row.id));
        await recordDeadLetter(tx, {
          jobId: row.id,
          name: row.name,
          queue: row.queue,
          payload: row.payload,
          dedupKey: row.dedupKey,
          error: errorText(error),
          stack: error instanceof Error ? (error.stack ?? null) : null,
          attempts: row.attemptsMade,
          history,
        });
        return;
      }
      const delay = backoffDelay(definition.backoff, row.attemptsMade);
      await tx
        .update(jobs)
        .set({
          status: 'waiting',
          lockedUntil: null,
          history,
          runAt: sql`now() + make_interval(secs => ${delay / 1000})`,
        })
        .where(and(eq(jobs.id, row.id), eq(jobs.status, 'running')));
    });
  };

  const runOne = async (row: TJobRow) => {
    const job = registry.get(row.name);
    const log = logger.child({ job: row.name, jobId: row.id, attempt: row.attemptsMade });
    if (!job) {
      await finish(row, new Error(`no handler for job "${row.name}"`), true);
      return;
    }
    let payload: unknown;
    try {
      payload = payloadOf(job.definition, row.payload);
    } catch (error) {
      // Enqueued under an older schema, or written by hand: it can never succeed as it is.
      await finish(row, error, true);
      return;
    }
    try {
      await job.handler(payload, {
        jobId: row.id,
        attempt: row.attemptsMade,
        dedupKey: row.dedupKey,
        logger: log,
      });
    } catch (error) {
      log.warn({ err: error }, 'job attempt failed');
      await finish(row, error);
      return;
    }
    await finish(row);
  };

  const track = (work: Promise<void>) => {
    const tracked = work.catch((error: unknown) =>
      logger.error({ err: error }, 'job runner failed'),
    );
    active.add(tracked);
    void tracked.finally(() => active.delete(tracked));
    return tracked;
  };

  const loop = async (queue: string) => {
    const inQueue = new Set<Promise<void>>();
    while (running) {
      const free = deps.concurrency - inQueue.size;
      let claimed: TJobRow[] = [];
      if (free > 0) {
        try {
          claimed = await claimJobs(queue, free);
        } catch (error) {
          logger.error({ err: error, queue }, 'claiming jobs failed');
        }
      }
      for (const row of claimed) {
        const work = track(runOne(row));
        inQueue.add(work);
        // A finished job frees a slot: look for the next one at once.
        void work.finally(() => {
          inQueue.delete(work);
          wakers.get(queue)?.();
        });
      }
      if (claimed.length > 0 && claimed.length === free) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deps.pollMs);
        wakers.set(queue, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  return {
    async enqueue(definition, payload, options = {}) {
      const parsed = payloadOf(definition, payload);
      const dedupKey = options.dedupKey ?? definition.dedupKey?.(parsed) ?? null;
      const id = newId();
      const result = await tenancy.withMaintenance(async (tx) => {
        const inserted = await tx
          .insert(jobs)
          .values({
            id,
            name: definition.name,
            queue: definition.queue,
            payload: parsed,
            priority: options.priority ?? definition.priority ?? 100,
            maxAttempts: definition.attempts,
            dedupKey,
            runAt: sql`now() + make_interval(secs => ${(options.delayMs ?? 0) / 1000})`,
          })
          .onConflictDoNothing()
          .returning({ id: jobs.id });
        if (inserted.length > 0) return { id, deduplicated: false };
        const [existing] = await tx
          .select({ id: jobs.id })
          .from(jobs)
          .where(
            and(
              eq(jobs.name, definition.name),
              eq(jobs.dedupKey, dedupKey ?? ''),
              inArray(jobs.status, ['waiting', 'running']),
            ),
          );
        return { id: existing?.id ?? id, deduplicated: true };
      });
      wakers.get(definition.queue)?.();
      return result;
    },
    async start() {
      if (running) return;
      running = true;
      for (const queue of registry.queues()) loops.push(loop(queue));
    },
    async stop() {
      running = false;
      for (const wake of wakers.values()) wake();
      await Promise.all(loops.splice(0));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...active]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, deps.graceMs);
        }),
      ]);
      clearTimeout(timer);
    },
    async drain() {
      let ran = 0;
      for (;;) {
        let batch = 0;
        for (const queue of registry.queues()) {
          const claimed = await claimJobs(queue, deps.concurrency);
          batch += claimed.length;
          await Promise.all(claimed.map((row) => track(runOne(row))));
        }
        ran += batch;
        if (batch === 0) return ran;
      }
    },
  };
}
