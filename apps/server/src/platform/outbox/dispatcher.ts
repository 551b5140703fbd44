import { and, asc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { recordDeadLetter } from '#server/platform/jobs/dead-letters';
import {
  JobPayloadError,
  type JobQueue,
  type TJobDefinition,
  type TJobSettled,
} from '#server/platform/jobs/jobs';
import { outbox } from '#server/platform/outbox/outbox.schema';

/** A domain event as subscribers see it. */
export type TOutboxEvent = {
  id: string;
  name: string;
  /** The catalogue version the payload was written under. */
  version: number;
  orgId: string | null;
  payload: unknown;
  requestId: string | null;
  createdAt: Date;
};

/** Turns one event into one job: the reaction of one module to another's change. */
export type TSubscriber = {
  /** An event name, or `'*'` for every event (webhooks, streaming). */
  event: string;
  job: TJobDefinition<never>;
  /** The job's payload, from the event (the job's schema checks it). */
  payloadOf: (event: TOutboxEvent) => unknown;
};

/** A subscriber, typed against its job's payload. */
export function subscribe<P>(
  event: string,
  job: TJobDefinition<P>,
  payloadOf: (event: TOutboxEvent) => P,
): TSubscriber {
  return { event, job: job as unknown as TJobDefinition<never>, payloadOf };
}

export type TDispatcherDeps = {
  tenancy: Tenancy;
  jobs: JobQueue;
  subscribers: readonly TSubscriber[];
  logger: Logger;
  pollMs: number;
  /** How long a claimed row is this dispatcher's before another may take it (its process died). */
  leaseMs: number;
  /**
   * A dispatched row whose jobs have not all settled after this long is reconciled: its missing
   * jobs are enqueued again under the same keys (a no-op for a job still queued).
   */
  reconcileAfterMs: number;
  /** LISTEN for new outbox rows (PostgreSQL); without it the dispatcher polls every `pollMs`. */
  listen?: Database['listen'];
  batchSize?: number;
};

/** The dedup key of the job a subscriber gets for one event: how acknowledgements find the row. */
export const deliveryKey = (eventId: string, jobName: string) => `${eventId}:${jobName}`;
const deliveryKeyPattern = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(.+)$/;

/**
 * Records that an event's job settled for good (completed, or moved to the dead letters, where it
 * can be retried); once every expected job has, the row is `delivered`. Idempotent: a job that
 * ran twice acknowledges once. Jobs not enqueued for an event (other keys) are ignored. The inline
 * driver calls it in the transaction that records the job's outcome.
 */
export async function acknowledgeDelivery(tx: Tx, settled: TJobSettled): Promise<void> {
  if (settled.outcome === 'retrying' || settled.dedupKey === null) return;
  const match = deliveryKeyPattern.exec(settled.dedupKey);
  if (!match || match[2] !== settled.name) return;
  const job = settled.name;
  const acked = sql`(case when ${job} = any(${outbox.ackedJobs}) then ${outbox.ackedJobs} else array_append(${outbox.ackedJobs}, ${job}::text) end)`;
  const complete = sql`${outbox.status} = 'dispatched' and ${outbox.expectedJobs} <@ ${acked}`;
  await tx
    .update(outbox)
    .set({
      ackedJobs: acked,
      status: sql`case when ${complete} then 'delivered' else ${outbox.status} end`,
      deliveredAt: sql`case when ${complete} then now() else ${outbox.deliveredAt} end`,
    })
    .where(eq(outbox.id, match[1]!));
}

type TOutboxRow = typeof outbox.$inferSelect;

/** A row as subscribers see it. */
const eventOf = (row: TOutboxRow): TOutboxEvent => ({
  id: row.id,
  name: row.name,
  version: row.version,
  orgId: row.orgId,
  payload: row.payload,
  requestId: row.requestId,
  createdAt: row.createdAt,
});

/** Rows of a batch delivered at once; PGlite serializes them anyway, PostgreSQL uses the pool. */
const deliveryConcurrency = 8;

/**
 * Delivers outbox rows to their subscribers as jobs, at least once. A row is claimed (leased),
 * its jobs enqueued with the key `<event id>:<job name>` (so a second delivery of the same event
 * finds the first job still waiting and adds nothing), then marked dispatched; it is delivered
 * once every job acknowledged (`acknowledgeDelivery`). A process that dies in between leaves the
 * lease to run out: the next dispatcher delivers the row again; jobs that vanish are found by the
 * reconciler. Rows are claimed FOR UPDATE SKIP LOCKED, so several dispatchers share the work.
 */
export function createOutboxDispatcher(deps: TDispatcherDeps) {
  const { tenancy, jobs, logger } = deps;
  const batchSize = deps.batchSize ?? 100;
  const byEvent = new Map<string, TSubscriber[]>();
  for (const subscriber of deps.subscribers) {
    byEvent.set(subscriber.event, [...(byEvent.get(subscriber.event) ?? []), subscriber]);
  }
  /** The event's own subscribers, then those of every event (`'*'`). */
  const subscribersOf = (name: string): TSubscriber[] => [
    ...(byEvent.get(name) ?? []),
    ...(byEvent.get('*') ?? []),
  ];
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  /** Set when woken while busy: the loop looks again instead of sleeping. */
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  const claim = () =>
    tenancy.withMaintenance(async (tx) => {
      const due = tx
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.status, 'pending'), lte(outbox.availableAt, sql`now()`)))
        .orderBy(asc(outbox.createdAt), asc(outbox.id))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      return tx
        .update(outbox)
        .set({
          attempts: sql`${outbox.attempts} + 1`,
          availableAt: sql`now() + make_interval(secs => ${deps.leaseMs / 1000})`,
        })
        .where(inArray(outbox.id, due))
        .returning();
    });

  /** Enqueues the row's jobs; a failure leaves the row to its lease (delivered again later). */
  const deliver = async (row: TOutboxRow): Promise<boolean> => {
    const event = eventOf(row);
    let delivered = true;
    // Subscribers whose job already settled (an earlier delivery of this row, cut short) are
    // skipped: their key may be free again, and a finished job must not run a second time.
    for (const subscriber of subscribersOf(row.name)) {
      if (row.ackedJobs.includes(subscriber.job.name)) continue;
      try {
        await jobs.enqueue(subscriber.job, subscriber.payloadOf(event) as never, {
          dedupKey: deliveryKey(row.id, subscriber.job.name),
        });
      } catch (error) {
        if (error instanceof JobPayloadError) {
          // The subscriber maps this event to a payload its job refuses: retrying cannot help.
          // Keep it as a dead letter (a person fixes the mapping and retries) and go on.
          await tenancy.withMaintenance(async (tx) => {
            await recordDeadLetter(tx, {
              jobId: deliveryKey(row.id, subscriber.job.name),
              name: subscriber.job.name,
              queue: subscriber.job.queue,
              payload: event.payload,
              dedupKey: deliveryKey(row.id, subscriber.job.name),
              error: error.message,
              stack: error.stack ?? null,
              attempts: 0,
              history: [],
            });
            await acknowledgeDelivery(tx, {
              jobId: '',
              name: subscriber.job.name,
              queue: subscriber.job.queue,
              dedupKey: deliveryKey(row.id, subscriber.job.name),
              attempt: 0,
              outcome: 'dead',
              durationMs: 0,
            });
          });
          logger.error(
            { err: error, event: row.name, eventId: row.id, job: subscriber.job.name },
            'event refused by its subscriber job: dead-lettered',
          );
          continue;
        }
        logger.error(
          { err: error, event: row.name, eventId: row.id, job: subscriber.job.name },
          'event delivery failed',
        );
        delivered = false;
      }
    }
    return delivered;
  };

  /**
   * Marks delivered rows dispatched, expecting one acknowledgement per subscriber job. Jobs may
   * have settled already (a fast worker): the row is then delivered at once.
   */
  const markDispatched = async (rows: TOutboxRow[]) => {
    if (rows.length === 0) return;
    // One statement per event name: rows of one name expect the same jobs.
    const idsByName = new Map<string, string[]>();
    for (const row of rows) idsByName.set(row.name, [...(idsByName.get(row.name) ?? []), row.id]);
    await tenancy.withMaintenance(async (tx) => {
      for (const [name, ids] of idsByName) {
        const expected = subscribersOf(name).map((subscriber) => subscriber.job.name);
        const list = sql`${`{${expected.join(',')}}`}::text[]`;
        const complete = sql`${list} <@ ${outbox.ackedJobs}`;
        await tx
          .update(outbox)
          .set({
            expectedJobs: list,
            dispatchedAt: new Date(),
            status: sql`case when ${complete} then 'delivered' else 'dispatched' end`,
            deliveredAt: sql`case when ${complete} then now() else null end`,
          })
          .where(and(inArray(outbox.id, ids), eq(outbox.status, 'pending')));
      }
    });
  };

  /** Claims and delivers one batch; answers how many rows it claimed. */
  const dispatchOnce = async (): Promise<number> => {
    const rows = await claim();
    const delivered: TOutboxRow[] = [];
    // Rows are independent: deliver a few at once (each enqueue is a round trip to the queue).
    for (let at = 0; at < rows.length; at += deliveryConcurrency) {
      const chunk = rows.slice(at, at + deliveryConcurrency);
      const outcomes = await Promise.all(chunk.map(deliver));
      chunk.forEach((row, index) => outcomes[index] && delivered.push(row));
    }
    await markDispatched(delivered);
    return rows.length;
  };

  /**
   * Finds dispatched rows still waiting for acknowledgements after `reconcileAfterMs` and
   * enqueues their missing jobs again under the same keys: a job still queued or running is not
   * duplicated, one that vanished (Redis restarted without persistence) runs. Rows are claimed by
   * moving `dispatched_at` on, so several dispatchers share the work. Answers the rows looked at.
   */
  const reconcile = async (): Promise<number> => {
    const rows = await tenancy.withMaintenance(async (tx) => {
      const stale = tx
        .select({ id: outbox.id })
        .from(outbox)
        .where(
          and(
            eq(outbox.status, 'dispatched'),
            lt(
              outbox.dispatchedAt,
              sql`now() - make_interval(secs => ${deps.reconcileAfterMs / 1000})`,
            ),
          ),
        )
        .orderBy(asc(outbox.dispatchedAt))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      return tx
        .update(outbox)
        .set({ dispatchedAt: sql`now()` })
        .where(inArray(outbox.id, stale))
        .returning();
    });
    for (const row of rows) {
      const event = eventOf(row);
      const subscribers = subscribersOf(row.name);
      for (const jobName of row.expectedJobs.filter((name) => !row.ackedJobs.includes(name))) {
        const subscriber = subscribers.find((candidate) => candidate.job.name === jobName);
        try {
          if (subscriber) {
            const { deduplicated } = await jobs.enqueue(
              subscriber.job,
              subscriber.payloadOf(event) as never,
              { dedupKey: deliveryKey(row.id, jobName) },
            );
            if (!deduplicated) {
              logger.warn(
                { event: row.name, eventId: row.id, job: jobName },
                'event job re-enqueued: it had vanished',
              );
            }
          } else {
            // The subscriber was removed since: nobody will acknowledge this job.
            await tenancy.withMaintenance((tx) =>
              acknowledgeDelivery(tx, {
                jobId: '',
                name: jobName,
                queue: '',
                dedupKey: deliveryKey(row.id, jobName),
                attempt: 0,
                outcome: 'completed',
                durationMs: 0,
              }),
            );
          }
        } catch (error) {
          logger.error(
            { err: error, event: row.name, eventId: row.id, job: jobName },
            'event reconciliation failed',
          );
        }
      }
    }
    return rows.length;
  };

  let lastReconcile = Date.now();
  let unlisten: (() => Promise<void>) | undefined;

  return {
    dispatchOnce,
    reconcile,
    /** Dispatches until nothing is due: for tests and one-shot commands. */
    async drain(): Promise<number> {
      let total = 0;
      for (;;) {
        const claimed = await dispatchOnce();
        total += claimed;
        if (claimed === 0) return total;
      }
    },
    async start() {
      if (running) return;
      running = true;
      try {
        unlisten = await deps.listen?.('corebase_outbox', wake);
      } catch (error) {
        logger.warn({ err: error }, 'LISTEN for outbox rows failed; polling only');
      }
      loop = (async () => {
        while (running) {
          let claimed = 0;
          try {
            claimed = await dispatchOnce();
            if (Date.now() - lastReconcile >= Math.min(deps.reconcileAfterMs, 60_000)) {
              lastReconcile = Date.now();
              await reconcile();
            }
          } catch (error) {
            logger.error({ err: error }, 'outbox dispatch failed');
          }
          if (claimed >= batchSize) continue;
          if (woken) {
            woken = false;
            continue;
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, deps.pollMs);
            wakeUp = () => {
              clearTimeout(timer);
              wakeUp = undefined;
              resolve();
            };
          });
          woken = false;
        }
      })();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await unlisten?.();
      unlisten = undefined;
      await loop;
    },
  };
}

export type OutboxDispatcher = ReturnType<typeof createOutboxDispatcher>;

/** Seconds since the oldest event still pending was written: how far dispatch lags behind. */
export async function outboxLagSeconds(tx: Tx): Promise<number> {
  const [row] = await tx
    .select({
      lag: sql<number | string | null>`extract(epoch from now() - min(${outbox.createdAt}))`,
    })
    .from(outbox)
    .where(eq(outbox.status, 'pending'));
  return row?.lag === null || row?.lag === undefined ? 0 : Math.max(0, Number(row.lag));
}
