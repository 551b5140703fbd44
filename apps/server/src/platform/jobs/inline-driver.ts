import { CronExpressionParser } from 'cron-parser';
import { and, asc, eq, inArray, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { newId } from '#server/platform/db/columns';
import { queryRows, type Database, type Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { recordDeadLetter } from '#server/platform/jobs/dead-letters';
import {
  backoffDelay,
  payloadOf,
  type JobQueue,
  type TEnqueueOptions,
  type TJobDefinition,
  type TJobRegistry,
  type TJobSettled,
  type TOnSettled,
  type TQueueOptions,
  type TQueueStats,
  type TSchedule,
} from '#server/platform/jobs/jobs';
import { jobSchedules, jobs, type TAttemptRecord } from '#server/platform/jobs/jobs.schema';

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
  queueOptions?: TQueueOptions;
  /** Called in the transaction that records each attempt's outcome. */
  onSettled?: TOnSettled;
  /**
   * LISTEN for jobs enqueued by other processes (PostgreSQL), so they start at once rather than
   * at the next poll. Without it, idle queues poll every `pollMs`.
   */
  listen?: Database['listen'];
};

type TJobRow = typeof jobs.$inferSelect;

// NUL cannot be stored in text or jsonb (an error may quote a value holding one).
const errorText = (error: unknown) =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).replaceAll(
    '\u0000',
    '\uFFFD',
  );

/**
 * The embedded driver: jobs are rows in the database (PGlite or PostgreSQL), claimed with
 * `FOR UPDATE SKIP LOCKED` so several processes on one PostgreSQL never run a job twice, and
 * leased so a job whose process died is run again. Everything runs as the maintenance role.
 */
export function createInlineQueue(deps: TInlineQueueDeps): JobQueue & {
  /** Runs what is due now, once, and waits for it: for tests and one-shot commands. */
  drain(): Promise<number>;
  /** Enqueues the jobs of the schedules due now (what the scheduler loop does each tick). */
  tickSchedules(): Promise<number>;
} {
  const { tenancy, registry, logger } = deps;
  let running = false;
  const active = new Set<Promise<void>>();
  const wakers = new Map<string, () => void>();
  /** Queues woken while their loop was busy claiming: it looks again instead of sleeping. */
  const woken = new Set<string>();
  const wake = (queue: string) => {
    woken.add(queue);
    wakers.get(queue)?.();
  };
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
          startedAt: sql`now()`,
          lockedUntil: sql`now() + make_interval(secs => ${deps.leaseMs / 1000})`,
        })
        .where(inArray(jobs.id, due))
        .returning();
      return rows.sort((x, y) => x.priority - y.priority || +x.runAt - +y.runAt);
    });

  /** Tells the hook, in a savepoint: a hook that fails is logged and the outcome still commits. */
  const settled = async (
    tx: Tx,
    row: TJobRow,
    outcome: TJobSettled['outcome'],
    durationMs: number,
  ) => {
    if (!deps.onSettled) return;
    const info: TJobSettled = {
      jobId: row.id,
      name: row.name,
      queue: row.queue,
      dedupKey: row.dedupKey,
      attempt: row.attemptsMade,
      outcome,
      durationMs,
    };
    try {
      await tx.transaction((savepoint) => deps.onSettled!(info, savepoint));
    } catch (error) {
      logger.error({ err: error, job: row.name, jobId: row.id }, 'job settled hook failed');
    }
  };

  /**
   * This attempt's row, still ours: running under the attempt count we claimed it with. A run
   * whose lease ran out and was claimed again must not write its outcome over the newer one.
   */
  const ours = (row: TJobRow) =>
    and(eq(jobs.id, row.id), eq(jobs.status, 'running'), eq(jobs.attemptsMade, row.attemptsMade));

  const finish = async (
    row: TJobRow,
    durationMs: number,
    error?: unknown,
    unrecoverable = false,
  ) => {
    await tenancy.withMaintenance(async (tx) => {
      if (error === undefined) {
        const done = await tx
          .update(jobs)
          .set({ status: 'completed', lockedUntil: null, finishedAt: new Date() })
          .where(ours(row))
          .returning({ id: jobs.id });
        if (done.length > 0) await settled(tx, row, 'completed', durationMs);
        return;
      }
      const history: TAttemptRecord[] = [
        ...row.history,
        { attempt: row.attemptsMade, error: errorText(error), at: new Date().toISOString() },
      ];
      const definition = registry.get(row.name)?.definition;
      if (unrecoverable || !definition || row.attemptsMade >= row.maxAttempts) {
        const failed = await tx
          .update(jobs)
          .set({ status: 'failed', lockedUntil: null, finishedAt: new Date(), history })
          .where(ours(row))
          .returning({ id: jobs.id });
        if (failed.length === 0) return;
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
        await settled(tx, row, 'dead', durationMs);
        return;
      }
      const delay = backoffDelay(definition.backoff, row.attemptsMade);
      const retried = await tx
        .update(jobs)
        .set({
          status: 'waiting',
          lockedUntil: null,
          history,
          runAt: sql`now() + make_interval(secs => ${delay / 1000})`,
        })
        .where(ours(row))
        .returning({ id: jobs.id });
      if (retried.length > 0) await settled(tx, row, 'retrying', durationMs);
    });
  };

  /** Keeps a running job's lease while its handler works, so a long job is not taken again. */
  const holdLease = (row: TJobRow) => {
    const timer = setInterval(
      () => {
        void tenancy
          .withMaintenance((tx) =>
            tx
              .update(jobs)
              .set({
                lockedUntil: sql`now() + make_interval(secs => ${deps.leaseMs / 1000})`,
              })
              .where(ours(row)),
          )
          .catch((error: unknown) =>
            logger.warn({ err: error, jobId: row.id }, 'renewing a job lease failed'),
          );
      },
      Math.max(10, Math.floor(deps.leaseMs / 3)),
    );
    return () => clearInterval(timer);
  };

  const runOne = async (row: TJobRow) => {
    const job = registry.get(row.name);
    const log = logger.child({ job: row.name, jobId: row.id, attempt: row.attemptsMade });
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (!job) {
      await finish(row, 0, new Error(`no handler for job "${row.name}"`), true);
      return;
    }
    if (row.attemptsMade > row.maxAttempts) {
      // Its last attempt's lease ran out: the process running it died (it may be what kills
      // processes). Do not run it again: dead-letter it, as BullMQ does a job that stalls too often.
      await finish(
        row,
        0,
        new Error('the worker running its last attempt died (its lease ran out)'),
        true,
      );
      return;
    }
    let payload: unknown;
    try {
      payload = payloadOf(job.definition, row.payload);
    } catch (error) {
      // Enqueued under an older schema, or written by hand: it can never succeed as it is.
      await finish(row, 0, error, true);
      return;
    }
    const release = holdLease(row);
    try {
      await job.handler(payload, {
        jobId: row.id,
        attempt: row.attemptsMade,
        dedupKey: row.dedupKey,
        logger: log,
      });
    } catch (error) {
      release();
      log.warn({ err: error }, 'job attempt failed');
      await finish(row, elapsed(), error);
      return;
    }
    release();
    await finish(row, elapsed());
  };

  const track = (work: Promise<void>) => {
    const tracked = work.catch((error: unknown) =>
      logger.error({ err: error }, 'job runner failed'),
    );
    active.add(tracked);
    void tracked.finally(() => active.delete(tracked));
    return tracked;
  };

  const concurrencyOf = (queue: string) =>
    deps.queueOptions?.[queue]?.concurrency ?? deps.concurrency;

  /** Start times within the rate window, per queue (the inline limit holds per process). */
  const starts = new Map<string, number[]>();
  /** How many jobs the rate limit lets start now, and when the next slot frees. */
  const rateRoom = (queue: string): { room: number; waitMs: number } => {
    const limit = deps.queueOptions?.[queue]?.rateLimit;
    if (!limit) return { room: Number.POSITIVE_INFINITY, waitMs: 0 };
    const now = Date.now();
    const recent = (starts.get(queue) ?? []).filter((at) => at > now - limit.durationMs);
    starts.set(queue, recent);
    const room = Math.max(0, limit.max - recent.length);
    return { room, waitMs: room > 0 ? 0 : recent[0]! + limit.durationMs - now };
  };

  const loop = async (queue: string) => {
    const inQueue = new Set<Promise<void>>();
    while (running) {
      const rate = rateRoom(queue);
      const free = Math.min(concurrencyOf(queue) - inQueue.size, rate.room);
      let claimed: TJobRow[] = [];
      if (free > 0) {
        try {
          claimed = await claimJobs(queue, free);
        } catch (error) {
          logger.error({ err: error, queue }, 'claiming jobs failed');
        }
      }
      if (deps.queueOptions?.[queue]?.rateLimit) {
        starts.get(queue)?.push(...claimed.map(() => Date.now()));
      }
      for (const row of claimed) {
        const work = track(runOne(row));
        inQueue.add(work);
        // A finished job frees a slot: look for the next one at once.
        void work.finally(() => {
          inQueue.delete(work);
          wake(queue);
        });
      }
      if (claimed.length > 0 && claimed.length === free) continue;
      if (woken.delete(queue) && free > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          resolve,
          rate.room === 0 ? Math.min(rate.waitMs, deps.pollMs) : deps.pollMs,
        );
        wakers.set(queue, () => {
          clearTimeout(timer);
          wakers.delete(queue);
          resolve();
        });
      });
      woken.delete(queue);
    }
  };

  /** Writes the job row in `tx`; a key already waiting or running adds nothing. */
  const insertJob = async (
    tx: Tx,
    definition: TJobDefinition<unknown>,
    payload: unknown,
    options: TEnqueueOptions,
  ) => {
    const parsed = payloadOf(definition, payload);
    const dedupKey = options.dedupKey ?? definition.dedupKey?.(parsed) ?? null;
    const id = newId();
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
  };

  // ---- repeatable jobs (the scheduler role) ----

  let schedules: readonly TSchedule[] = [];
  let schedulerLoop: Promise<void> | undefined;
  let wakeScheduler: (() => void) | undefined;
  let scheduling = false;

  const timingOf = (schedule: TSchedule) =>
    schedule.cron !== undefined ? `cron:${schedule.cron}` : `every:${schedule.everyMs}`;

  /** The first tick strictly after `after`: intervals are aligned to the epoch, as BullMQ's are. */
  const nextTick = (schedule: TSchedule, after: Date): Date => {
    if (schedule.everyMs !== undefined) {
      const every = schedule.everyMs;
      return new Date((Math.floor(after.getTime() / every) + 1) * every);
    }
    return CronExpressionParser.parse(schedule.cron!, { currentDate: after, tz: 'UTC' })
      .next()
      .toDate();
  };

  /**
   * Enqueues the job of every due schedule, once per tick whatever the number of schedulers: the
   * schedule row is locked (SKIP LOCKED), the job inserted with the key `<schedule>@<tick>` and
   * the row moved to its next tick, in one transaction. Answers how many jobs it enqueued.
   */
  const tickSchedules = async (): Promise<number> => {
    if (schedules.length === 0) return 0;
    const byName = new Map(schedules.map((schedule) => [schedule.name, schedule]));
    return tenancy.withMaintenance(async (tx) => {
      const due = await tx
        .select()
        .from(jobSchedules)
        .where(
          and(
            lte(jobSchedules.nextRunAt, sql`now()`),
            inArray(jobSchedules.name, [...byName.keys()]),
          ),
        )
        .for('update', { skipLocked: true });
      const now = new Date();
      for (const row of due) {
        const schedule = byName.get(row.name)!;
        await insertJob(tx, schedule.job as unknown as TJobDefinition<unknown>, schedule.payload, {
          dedupKey: `${schedule.name}@${row.nextRunAt.toISOString()}`,
        });
        await tx
          .update(jobSchedules)
          // From the later of the app's clock and the tick itself: an app clock behind the
          // database's must not compute the same tick again.
          .set({
            nextRunAt: nextTick(
              schedule,
              new Date(Math.max(now.getTime(), row.nextRunAt.getTime())),
            ),
            lastRunAt: row.nextRunAt,
          })
          .where(eq(jobSchedules.name, row.name));
      }
      return due.length;
    });
  };

  /** Milliseconds until the soonest of our schedules is due (at most pollMs). */
  const untilNextTick = async (): Promise<number> => {
    const [row] = await tenancy.withMaintenance((tx) =>
      queryRows<{ next: Date | string | null }>(
        tx,
        sql`select min(${jobSchedules.nextRunAt}) as next from ${jobSchedules} where ${inArray(
          jobSchedules.name,
          schedules.map((schedule) => schedule.name),
        )}`,
      ),
    );
    if (!row?.next) return deps.pollMs;
    return Math.max(5, Math.min(deps.pollMs, new Date(row.next).getTime() - Date.now()));
  };

  /**
   * Writes the schedules (an unchanged timing keeps its claimed next tick) and, with `prune`,
   * removes the ones this process does not declare.
   */
  const upsertSchedules = async (list: readonly TSchedule[], { prune }: { prune: boolean }) => {
    const now = new Date();
    await tenancy.withMaintenance(async (tx) => {
      for (const schedule of list) {
        const timing = timingOf(schedule);
        await tx
          .insert(jobSchedules)
          .values({
            name: schedule.name,
            jobName: schedule.job.name,
            timing,
            payload: schedule.payload,
            nextRunAt: nextTick(schedule, now),
          })
          .onConflictDoUpdate({
            target: jobSchedules.name,
            set: {
              jobName: schedule.job.name,
              payload: schedule.payload,
              timing,
              // A changed timing starts over; an unchanged one keeps its claimed next tick.
              nextRunAt: sql`case when ${jobSchedules.timing} = ${timing} then ${jobSchedules.nextRunAt} else excluded.next_run_at end`,
              updatedAt: sql`now()`,
            },
          });
      }
      if (!prune) return;
      const names = list.map((schedule) => schedule.name);
      await tx
        .delete(jobSchedules)
        .where(names.length > 0 ? notInArray(jobSchedules.name, names) : sql`true`);
    });
  };

  /**
   * Every scheduler prunes what it does not declare: during a rolling deploy an older process
   * starting after a newer one removes the newer schedules. Each scheduler writes its own again
   * this often, so such a removal lasts at most that long.
   */
  const reassertSchedulesMs = 60_000;

  const runScheduler = async () => {
    let reasserted = Date.now();
    while (scheduling) {
      let wait = deps.pollMs;
      try {
        if (Date.now() - reasserted >= reassertSchedulesMs) {
          reasserted = Date.now();
          await upsertSchedules(schedules, { prune: false });
        }
        await tickSchedules();
        wait = await untilNextTick();
      } catch (error) {
        logger.error({ err: error }, 'scheduling repeatable jobs failed');
      }
      if (!scheduling) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wakeScheduler = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  let unlisten: (() => Promise<void>) | undefined;

  return {
    async enqueue(definition, payload, options = {}) {
      payloadOf(definition, payload);
      const result = await tenancy.withMaintenance((tx) =>
        insertJob(tx, definition as TJobDefinition<unknown>, payload, options),
      );
      wake(definition.queue);
      return result;
    },

    async start() {
      if (running) return;
      running = true;
      for (const queue of registry.queues()) loops.push(loop(queue));
      try {
        unlisten = await deps.listen?.('corebase_jobs', (queue) => {
          if (queue === '') for (const name of registry.queues()) wake(name);
          else wake(queue);
        });
      } catch (error) {
        logger.warn({ err: error }, 'LISTEN for jobs failed; polling only');
      }
    },

    async stop() {
      running = false;
      scheduling = false;
      wakeScheduler?.();
      for (const stopWaiting of wakers.values()) stopWaiting();
      await unlisten?.();
      unlisten = undefined;
      await Promise.all(loops.splice(0));
      await schedulerLoop;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...active]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, deps.graceMs);
        }),
      ]);
      clearTimeout(timer);
    },

    async schedule(list) {
      for (const schedule of list) {
        if (!registry.get(schedule.job.name)) {
          throw new Error(
            `jobs: schedule ${schedule.name} runs "${schedule.job.name}", which has no handler`,
          );
        }
      }
      schedules = list;
      await upsertSchedules(list, { prune: true });
      if (!scheduling && list.length > 0) {
        scheduling = true;
        schedulerLoop = runScheduler();
      }
      wakeScheduler?.();
    },

    async stats(windowMinutes = 15, options = {}) {
      const countsOnly = options.countsOnly === true;
      const rows = await tenancy.withMaintenance((tx) =>
        queryRows<{
          queue: string;
          waiting: number;
          delayed: number;
          active: number;
          completed: number;
          failed: number;
          finished_in_window: number;
          failed_in_window: number;
          p95: number | null;
        }>(
          tx,
          sql`select ${jobs.queue} as queue,
            count(*) filter (where ${jobs.status} = 'waiting' and ${jobs.runAt} <= now())::int as waiting,
            count(*) filter (where ${jobs.status} = 'waiting' and ${jobs.runAt} > now())::int as delayed,
            count(*) filter (where ${jobs.status} = 'running')::int as active,
            count(*) filter (where ${jobs.status} = 'completed')::int as completed,
            count(*) filter (where ${jobs.status} = 'failed')::int as failed,
            count(*) filter (where ${jobs.status} in ('completed', 'failed')
              and ${jobs.finishedAt} > now() - make_interval(mins => ${windowMinutes}))::int as finished_in_window,
            count(*) filter (where ${jobs.status} = 'failed'
              and ${jobs.finishedAt} > now() - make_interval(mins => ${windowMinutes}))::int as failed_in_window,
            ${
              countsOnly
                ? sql`null::float8`
                : sql`percentile_cont(0.95) within group (
              order by extract(epoch from ${jobs.finishedAt} - ${jobs.startedAt}) * 1000
            ) filter (where ${jobs.status} = 'completed'
              and ${jobs.finishedAt} > now() - make_interval(mins => ${windowMinutes}))`
            } as p95
          from ${jobs} group by ${jobs.queue}`,
        ),
      );
      const byQueue = new Map(rows.map((row) => [row.queue, row]));
      return registry.queues().map((queue): TQueueStats => {
        const row = byQueue.get(queue);
        const finished = Number(row?.finished_in_window ?? 0);
        const p95 = row?.p95 === null || row?.p95 === undefined ? null : Number(row.p95);
        return {
          queue,
          counts: {
            waiting: Number(row?.waiting ?? 0),
            delayed: Number(row?.delayed ?? 0),
            active: Number(row?.active ?? 0),
            completed: Number(row?.completed ?? 0),
            failed: Number(row?.failed ?? 0),
          },
          windowMinutes,
          throughputPerMinute: finished / windowMinutes,
          failureRate: finished === 0 ? 0 : Number(row?.failed_in_window ?? 0) / finished,
          p95DurationMs: p95 === null ? null : Math.round(p95),
        };
      });
    },

    tickSchedules,

    async drain() {
      let ran = 0;
      for (;;) {
        let batch = 0;
        for (const queue of registry.queues()) {
          const claimed = await claimJobs(queue, concurrencyOf(queue));
          batch += claimed.length;
          await Promise.all(claimed.map((row) => track(runOne(row))));
        }
        ran += batch;
        if (batch === 0) return ran;
      }
    },
  };
}
