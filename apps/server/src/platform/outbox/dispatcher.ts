import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Tenancy } from '#server/platform/db/tenancy';
import type { JobQueue, TJobDefinition } from '#server/platform/jobs/jobs';
import { outbox } from '#server/platform/outbox/outbox.schema';

/** A domain event as subscribers see it. */
export type TOutboxEvent = {
  id: string;
  name: string;
  orgId: string | null;
  payload: unknown;
  requestId: string | null;
  createdAt: Date;
};

/** Turns one event into one job: the reaction of one module to another's change. */
export type TSubscriber = {
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
  batchSize?: number;
};

type TOutboxRow = typeof outbox.$inferSelect;

/**
 * Delivers outbox rows to their subscribers as jobs, at least once. A row is claimed (leased),
 * its jobs enqueued with the key `<event id>:<job name>` (so a second delivery of the same event
 * finds the first job still waiting and adds nothing), then marked dispatched. A process that
 * dies in between leaves the lease to run out: the next dispatcher delivers the row again. Rows
 * are claimed FOR UPDATE SKIP LOCKED, so several dispatchers share the work.
 */
export function createOutboxDispatcher(deps: TDispatcherDeps) {
  const { tenancy, jobs, logger } = deps;
  const batchSize = deps.batchSize ?? 100;
  const byEvent = new Map<string, TSubscriber[]>();
  for (const subscriber of deps.subscribers) {
    byEvent.set(subscriber.event, [...(byEvent.get(subscriber.event) ?? []), subscriber]);
  }
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

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
    const event: TOutboxEvent = {
      id: row.id,
      name: row.name,
      orgId: row.orgId,
      payload: row.payload,
      requestId: row.requestId,
      createdAt: row.createdAt,
    };
    try {
      for (const subscriber of byEvent.get(row.name) ?? []) {
        await jobs.enqueue(subscriber.job, subscriber.payloadOf(event) as never, {
          dedupKey: `${row.id}:${subscriber.job.name}`,
        });
      }
      return true;
    } catch (error) {
      logger.error({ err: error, event: row.name, eventId: row.id }, 'event delivery failed');
      return false;
    }
  };

  /** Claims and delivers one batch; answers how many rows it claimed. */
  const dispatchOnce = async (): Promise<number> => {
    const rows = await claim();
    const delivered: string[] = [];
    for (const row of rows) if (await deliver(row)) delivered.push(row.id);
    if (delivered.length > 0) {
      await tenancy.withMaintenance((tx) =>
        tx
          .update(outbox)
          .set({ status: 'dispatched', dispatchedAt: new Date() })
          .where(inArray(outbox.id, delivered)),
      );
    }
    return rows.length;
  };

  return {
    dispatchOnce,
    /** Dispatches until nothing is due: for tests and one-shot commands. */
    async drain(): Promise<number> {
      let total = 0;
      for (;;) {
        const claimed = await dispatchOnce();
        total += claimed;
        if (claimed === 0) return total;
      }
    },
    start() {
      if (running) return;
      running = true;
      loop = (async () => {
        while (running) {
          let claimed = 0;
          try {
            claimed = await dispatchOnce();
          } catch (error) {
            logger.error({ err: error }, 'outbox dispatch failed');
          }
          if (claimed >= batchSize) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, deps.pollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      })();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}

export type OutboxDispatcher = ReturnType<typeof createOutboxDispatcher>;
