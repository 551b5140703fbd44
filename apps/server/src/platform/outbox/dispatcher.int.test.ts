import { defineEvent } from '@corebase/contracts';
import { eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTenancy, type Tenancy } from '#server/platform/db/tenancy';
import { applyOnce } from '#server/platform/jobs/effects';
import { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { createJobRegistry, defineJob, handle } from '#server/platform/jobs/jobs';
import { jobEffects, jobs } from '#server/platform/jobs/jobs.schema';
import {
  acknowledgeDelivery,
  createOutboxDispatcher,
  outboxLagSeconds,
  subscribe,
} from '#server/platform/outbox/dispatcher';
import { createEvents } from '#server/platform/outbox/events';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { openTestDatabase, testBackends, type TTestDatabase } from '#test/databases';

const logger = pino({ level: 'silent' });

const signedUp = defineEvent({
  name: 'user.signed_up',
  version: 1,
  description: 'test event',
  schema: z.object({ userId: z.string() }),
});
const nobodyListens = defineEvent({
  name: 'nobody.listens',
  version: 2,
  description: 'test event without subscribers',
  schema: z.object({ x: z.number() }),
});

const until = async (done: () => boolean | Promise<boolean>, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe.each(testBackends())('the outbox dispatcher on %s', (backend) => {
  let handle_: TTestDatabase;
  let tenancy: Tenancy;
  const welcomed: string[] = [];
  let failWelcome = false;
  const welcome = defineJob({
    name: 'test.welcome',
    queue: `welcome-${backend}`,
    schema: z.object({ userId: z.string() }),
    attempts: 2,
    backoff: { type: 'fixed', delayMs: 1 },
  });
  const events = createEvents();

  beforeAll(async () => {
    handle_ = await openTestDatabase(backend);
    tenancy = createTenancy(handle_.database);
  });
  afterAll(() => handle_?.close());

  const setUp = (
    options: { leaseMs?: number; reconcileAfterMs?: number; pollMs?: number } = {},
  ) => {
    const queue = createInlineQueue({
      tenancy,
      registry: createJobRegistry([
        handle(welcome, async ({ userId }, { dedupKey }) => {
          if (failWelcome) throw new Error('mail server down');
          // The effect a consumer must apply once, keyed by its job's dedup key.
          await tenancy.withMaintenance((tx) =>
            applyOnce(tx, dedupKey!, async () => void welcomed.push(userId)),
          );
        }),
      ]),
      logger,
      concurrency: 2,
      pollMs: 20,
      leaseMs: 60_000,
      graceMs: 1_000,
      onSettled: (settled, tx) => acknowledgeDelivery(tx!, settled),
    });
    const dispatcher = createOutboxDispatcher({
      tenancy,
      jobs: queue,
      subscribers: [
        subscribe('user.signed_up', welcome, (event) => ({
          userId: (event.payload as { userId: string }).userId,
        })),
      ],
      logger,
      pollMs: options.pollMs ?? 20,
      leaseMs: options.leaseMs ?? 60_000,
      reconcileAfterMs: options.reconcileAfterMs ?? 60_000,
      ...(options.pollMs && backend === 'postgres' ? { listen: handle_.database.listen } : {}),
    });
    return { queue, dispatcher };
  };
  const emit = <P>(event: typeof signedUp | typeof nobodyListens, payload: P) =>
    tenancy.withMaintenance((tx) =>
      events.emit(tx, event as never, payload as never, { orgId: null }),
    );
  const rowOf = async (id: string) =>
    (await tenancy.withMaintenance((tx) => tx.select().from(outbox).where(eq(outbox.id, id))))[0]!;

  it('delivers a committed event to its subscribers as jobs, once; the row is delivered when they are done', async () => {
    const { queue, dispatcher } = setUp();
    const id = await emit(signedUp, { userId: `u1-${backend}` });
    const quiet = await emit(nobodyListens, { x: 1 });
    expect(await dispatcher.drain()).toBeGreaterThanOrEqual(2);
    expect(await dispatcher.drain()).toBe(0);
    const rows = await tenancy.withMaintenance((tx) =>
      tx
        .select()
        .from(outbox)
        .where(inArray(outbox.id, [id, quiet])),
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    // Waiting for its job; the event nobody subscribes to has nothing to wait for.
    expect(byId.get(id)).toMatchObject({ status: 'dispatched', expectedJobs: ['test.welcome'] });
    expect(byId.get(quiet)).toMatchObject({ status: 'delivered', version: 2 });
    await queue.drain();
    expect(welcomed.filter((u) => u === `u1-${backend}`)).toHaveLength(1);
    expect(await rowOf(id)).toMatchObject({ status: 'delivered', ackedJobs: ['test.welcome'] });
  });

  it('refuses a payload its catalogue entry does not describe, and writes nothing', async () => {
    const before = await tenancy.withMaintenance((tx) => tx.$count(outbox));
    await expect(emit(signedUp, { userId: 42 })).rejects.toThrow(
      /user\.signed_up v1: userId: .*expected string/i,
    );
    expect(await tenancy.withMaintenance((tx) => tx.$count(outbox))).toBe(before);
  });

  it('delivers an event committed while no dispatcher ran (the process died after the commit)', async () => {
    const id = await emit(signedUp, { userId: `u-crash-${backend}` });
    expect((await rowOf(id)).status).toBe('pending');
    expect(await tenancy.withMaintenance(outboxLagSeconds)).toBeGreaterThanOrEqual(0);
    // A new process starts: its dispatcher finds the row.
    const { queue, dispatcher } = setUp();
    await dispatcher.drain();
    await queue.drain();
    expect(welcomed).toContain(`u-crash-${backend}`);
    expect((await rowOf(id)).status).toBe('delivered');
    expect(await tenancy.withMaintenance(outboxLagSeconds)).toBe(0);
  });

  it('delivers again an event whose dispatcher died after claiming it, without a second job', async () => {
    const { queue, dispatcher } = setUp({ leaseMs: 1 });
    const id = await emit(signedUp, { userId: `u2-${backend}` });
    // A dispatcher enqueued the job and died before marking the row: it is still pending.
    await queue.enqueue(welcome, { userId: `u2-${backend}` }, { dedupKey: `${id}:test.welcome` });
    await tenancy.withMaintenance((tx) =>
      tx
        .update(outbox)
        .set({ attempts: 1, availableAt: new Date(Date.now() - 1) })
        .where(eq(outbox.id, id)),
    );
    expect(await dispatcher.drain()).toBeGreaterThanOrEqual(1);
    const queued = await tenancy.withMaintenance((tx) =>
      tx
        .select()
        .from(jobs)
        .where(eq(jobs.dedupKey, `${id}:test.welcome`)),
    );
    expect(queued).toHaveLength(1);
    await queue.drain();
    expect(welcomed.filter((u) => u === `u2-${backend}`)).toHaveLength(1);
    expect((await rowOf(id)).status).toBe('delivered');
  });

  it('reconciles an event whose job vanished: the job runs again, and a queued job is not doubled', async () => {
    const { queue, dispatcher } = setUp({ reconcileAfterMs: 1 });
    const lost = await emit(signedUp, { userId: `u-lost-${backend}` });
    const queued = await emit(signedUp, { userId: `u-queued-${backend}` });
    await dispatcher.drain();
    // The queue lost one job (as Redis without persistence does on a restart).
    await tenancy.withMaintenance((tx) =>
      tx.delete(jobs).where(eq(jobs.dedupKey, `${lost}:test.welcome`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await dispatcher.reconcile()).toBeGreaterThanOrEqual(2);
    const rows = await tenancy.withMaintenance((tx) =>
      tx
        .select()
        .from(jobs)
        .where(inArray(jobs.dedupKey, [`${lost}:test.welcome`, `${queued}:test.welcome`])),
    );
    expect(rows.map((row) => row.dedupKey).sort()).toEqual(
      [`${lost}:test.welcome`, `${queued}:test.welcome`].sort(),
    );
    await queue.drain();
    expect(welcomed.filter((u) => u === `u-lost-${backend}`)).toHaveLength(1);
    expect(welcomed.filter((u) => u === `u-queued-${backend}`)).toHaveLength(1);
    expect((await rowOf(lost)).status).toBe('delivered');
    expect((await rowOf(queued)).status).toBe('delivered');
  });

  it('applies a consumer’s effect once when its event is delivered twice after the first run', async () => {
    const { queue, dispatcher } = setUp({ reconcileAfterMs: 1 });
    const id = await emit(signedUp, { userId: `u-twice-${backend}` });
    await dispatcher.drain();
    await queue.drain();
    // The job ran, but its acknowledgement was lost: the reconciler delivers it again.
    await tenancy.withMaintenance((tx) =>
      tx.update(outbox).set({ status: 'dispatched', ackedJobs: [] }).where(eq(outbox.id, id)),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    await dispatcher.reconcile();
    expect(await queue.drain()).toBe(1);
    expect(welcomed.filter((u) => u === `u-twice-${backend}`)).toHaveLength(1);
    const keys = await tenancy.withMaintenance((tx) =>
      tx
        .select()
        .from(jobEffects)
        .where(eq(jobEffects.key, `${id}:test.welcome`)),
    );
    expect(keys).toHaveLength(1);
  });

  it('does not run again a subscriber that finished when its row is delivered a second time', async () => {
    const { queue, dispatcher } = setUp({ leaseMs: 1 });
    const id = await emit(signedUp, { userId: `u-acked-${backend}` });
    await dispatcher.drain();
    await queue.drain();
    // As if the dispatcher had died before marking the row: pending again, its job acknowledged.
    await tenancy.withMaintenance((tx) =>
      tx
        .update(outbox)
        .set({ status: 'pending', availableAt: new Date(Date.now() - 1) })
        .where(eq(outbox.id, id)),
    );
    await dispatcher.drain();
    expect(await queue.drain()).toBe(0);
    expect(welcomed.filter((u) => u === `u-acked-${backend}`)).toHaveLength(1);
    expect((await rowOf(id)).status).toBe('delivered');
  });

  it('counts an event delivered once its job is in the dead letters', async () => {
    const { queue, dispatcher } = setUp();
    failWelcome = true;
    try {
      const id = await emit(signedUp, { userId: `u-dead-${backend}` });
      await dispatcher.drain();
      await queue.drain();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await queue.drain();
      expect((await rowOf(id)).status).toBe('delivered');
    } finally {
      failWelcome = false;
    }
  });

  it('runs on its own once started, and stops', async () => {
    // A minute between polls: on PostgreSQL, LISTEN/NOTIFY is what wakes it.
    const { queue, dispatcher } = setUp(backend === 'postgres' ? { pollMs: 60_000 } : {});
    await queue.start();
    await dispatcher.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await emit(signedUp, { userId: `u3-${backend}` });
    await until(() => welcomed.includes(`u3-${backend}`), 'the event was not delivered');
    await dispatcher.stop();
    await queue.stop();
  });
});
