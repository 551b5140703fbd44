import { eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTenancy, type Tenancy } from '#server/platform/db/tenancy';
import { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { createJobRegistry, defineJob, handle } from '#server/platform/jobs/jobs';
import { jobs } from '#server/platform/jobs/jobs.schema';
import { createOutboxDispatcher, subscribe } from '#server/platform/outbox/dispatcher';
import { createEvents } from '#server/platform/outbox/events';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { openTestDatabase, testBackends, type TTestDatabase } from '#test/databases';

const logger = pino({ level: 'silent' });

describe.each(testBackends())('the outbox dispatcher on %s', (backend) => {
  let handle_: TTestDatabase;
  let tenancy: Tenancy;
  const welcomed: string[] = [];
  const welcome = defineJob({
    name: 'test.welcome',
    queue: `welcome-${backend}`,
    schema: z.object({ userId: z.string() }),
    attempts: 3,
    backoff: { type: 'fixed', delayMs: 1 },
  });
  const events = createEvents();

  beforeAll(async () => {
    handle_ = await openTestDatabase(backend);
    tenancy = createTenancy(handle_.database);
  });
  afterAll(() => handle_?.close());

  const setUp = (leaseMs = 60_000) => {
    const queue = createInlineQueue({
      tenancy,
      registry: createJobRegistry([
        handle(welcome, async ({ userId }) => void welcomed.push(userId)),
      ]),
      logger,
      concurrency: 2,
      pollMs: 20,
      leaseMs: 60_000,
      graceMs: 1_000,
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
      pollMs: 20,
      leaseMs,
    });
    return { queue, dispatcher };
  };
  const emit = (name: string, payload: object) =>
    tenancy.withMaintenance((tx) => events.emit(tx, name, payload, { orgId: null }));

  it('delivers a committed event to its subscribers as jobs, once, and marks it dispatched', async () => {
    const { queue, dispatcher } = setUp();
    const id = await emit('user.signed_up', { userId: `u1-${backend}` });
    const quiet = await emit('nobody.listens', { x: 1 });
    expect(await dispatcher.drain()).toBeGreaterThanOrEqual(2);
    expect(await dispatcher.drain()).toBe(0);
    const rows = await tenancy.withMaintenance((tx) =>
      tx
        .select()
        .from(outbox)
        .where(inArray(outbox.id, [id, quiet])),
    );
    expect(rows.map((r) => r.status)).toEqual(['dispatched', 'dispatched']);
    await queue.drain();
    expect(welcomed.filter((u) => u === `u1-${backend}`)).toHaveLength(1);
  });

  it('delivers again an event whose dispatcher died after claiming it, without a second job', async () => {
    const { queue, dispatcher } = setUp(1);
    const id = await emit('user.signed_up', { userId: `u2-${backend}` });
    // A dispatcher enqueued the job and died before marking the row: it is still pending.
    const [row] = await tenancy.withMaintenance((tx) =>
      tx.select().from(outbox).where(eq(outbox.id, id)),
    );
    await queue.enqueue(welcome, { userId: `u2-${backend}` }, { dedupKey: `${id}:test.welcome` });
    await tenancy.withMaintenance((tx) =>
      tx
        .update(outbox)
        .set({ attempts: 1, availableAt: new Date(Date.now() - 1) })
        .where(eq(outbox.id, row!.id)),
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
    const [after] = await tenancy.withMaintenance((tx) =>
      tx.select().from(outbox).where(eq(outbox.id, id)),
    );
    expect(after!.status).toBe('dispatched');
  });

  it('runs on its own once started, and stops', async () => {
    const { queue, dispatcher } = setUp();
    await queue.start();
    dispatcher.start();
    await emit('user.signed_up', { userId: `u3-${backend}` });
    const deadline = Date.now() + 10_000;
    while (!welcomed.includes(`u3-${backend}`)) {
      if (Date.now() > deadline) throw new Error('the event was not delivered');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await dispatcher.stop();
    await queue.stop();
  });
});
