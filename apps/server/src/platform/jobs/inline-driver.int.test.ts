import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTenancy, type Tenancy } from '#server/platform/db/tenancy';
import { listDeadLetters } from '#server/platform/jobs/dead-letters';
import { createInlineQueue } from '#server/platform/jobs/inline-driver';
import {
  createJobRegistry,
  defineJob,
  handle,
  JobPayloadError,
  type TRegisteredJob,
} from '#server/platform/jobs/jobs';
import { deadLetters, jobs } from '#server/platform/jobs/jobs.schema';
import { openTestDatabase, testBackends, type TTestDatabase } from '#test/databases';

const logger = pino({ level: 'silent' });

const ZNote = z.object({ note: z.string().min(1) });

/** Waits until `check` holds, polling: the queue runs on its own. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(testBackends())('the inline job queue on %s', (backend) => {
  let handle_: TTestDatabase;
  let tenancy: Tenancy;

  beforeAll(async () => {
    handle_ = await openTestDatabase(backend);
    tenancy = createTenancy(handle_.database);
  });
  afterAll(() => handle_?.close());

  const queueOf = (registered: TRegisteredJob[], concurrency = 4) =>
    createInlineQueue({
      tenancy,
      registry: createJobRegistry(registered),
      logger,
      concurrency,
      pollMs: 20,
      leaseMs: 60_000,
      graceMs: 5_000,
    });

  it('runs a job, validating its payload at enqueue (nothing written) and on receipt', async () => {
    const seen: string[] = [];
    const note = defineJob({
      name: 'test.note',
      queue: `notes-${backend}`,
      schema: ZNote,
      attempts: 3,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    const queue = queueOf([handle(note, async ({ note: text }) => void seen.push(text))]);
    const before = await tenancy.withMaintenance((tx) => tx.select().from(jobs));
    await expect(queue.enqueue(note, { note: '' })).rejects.toBeInstanceOf(JobPayloadError);
    await expect(
      queue.enqueue(note, { nope: 1 } as unknown as z.infer<typeof ZNote>),
    ).rejects.toThrow(/note: /);
    expect(await tenancy.withMaintenance((tx) => tx.select().from(jobs))).toHaveLength(
      before.length,
    );

    await queue.start();
    const { id } = await queue.enqueue(note, { note: 'hello' });
    await eventually(() => seen.includes('hello'));
    await queue.stop();
    const [row] = await tenancy.withMaintenance((tx) =>
      tx.select().from(jobs).where(eq(jobs.id, id)),
    );
    expect(row).toMatchObject({ status: 'completed', attemptsMade: 1 });
  });

  it('retries with backoff until it succeeds, keeping each failure in its history', async () => {
    let calls = 0;
    const flaky = defineJob({
      name: 'test.flaky',
      queue: `flaky-${backend}`,
      schema: ZNote,
      attempts: 5,
      backoff: { type: 'exponential', delayMs: 5 },
    });
    const queue = queueOf([
      handle(flaky, async (_payload, context) => {
        calls += 1;
        if (context.attempt < 3) throw new Error(`boom ${context.attempt}`);
      }),
    ]);
    await queue.start();
    const { id } = await queue.enqueue(flaky, { note: 'x' });
    const row = async () =>
      (await tenancy.withMaintenance((tx) => tx.select().from(jobs).where(eq(jobs.id, id))))[0]!;
    await eventually(async () => (await row()).status === 'completed');
    await queue.stop();
    expect(calls).toBe(3);
    expect((await row()).history.map((h) => h.error)).toEqual(['Error: boom 1', 'Error: boom 2']);
  });

  it('dead-letters a job that used up its attempts, with error, stack and history', async () => {
    const doomed = defineJob({
      name: 'test.doomed',
      queue: `doomed-${backend}`,
      schema: ZNote,
      attempts: 2,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    const queue = queueOf([
      handle(doomed, async () => {
        throw new TypeError('provider said no');
      }),
    ]);
    await queue.start();
    const { id } = await queue.enqueue(doomed, { note: 'payload kept' });
    const letter = async () =>
      (
        await tenancy.withMaintenance((tx) =>
          tx.select().from(deadLetters).where(eq(deadLetters.jobId, id)),
        )
      )[0];
    await eventually(async () => (await letter()) !== undefined);
    await queue.stop();
    expect(await letter()).toMatchObject({
      name: 'test.doomed',
      payload: { note: 'payload kept' },
      error: 'TypeError: provider said no',
      attempts: 2,
      history: [expect.objectContaining({ attempt: 1 }), expect.objectContaining({ attempt: 2 })],
    });
    expect((await letter())!.stack).toContain('provider said no');
    const listed = await tenancy.withMaintenance((tx) =>
      listDeadLetters(tx, { name: 'test.doomed', limit: 10 }),
    );
    expect(listed.map((l) => l.jobId)).toContain(id);
  });

  it('honours delays and priorities, and runs a job with a known key once', async () => {
    const order: string[] = [];
    const ordered = defineJob({
      name: 'test.ordered',
      queue: `ordered-${backend}`,
      schema: ZNote,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 0 },
      dedupKey: ({ note }) => note,
    });
    const queue = queueOf([handle(ordered, async ({ note }) => void order.push(note))], 1);
    await queue.enqueue(ordered, { note: 'later' }, { delayMs: 60_000 });
    await queue.enqueue(ordered, { note: 'low' }, { priority: 200 });
    await queue.enqueue(ordered, { note: 'high' }, { priority: 1 });
    const first = await queue.enqueue(ordered, { note: 'normal' });
    const again = await queue.enqueue(ordered, { note: 'normal' });
    expect(again).toEqual({ id: first.id, deduplicated: true });
    expect(await queue.drain()).toBe(3);
    expect(order).toEqual(['high', 'normal', 'low']);
    // Done, its key is free again.
    expect((await queue.enqueue(ordered, { note: 'normal' })).deduplicated).toBe(false);
  });

  it('takes over a job whose process died mid-run (its lease ran out)', async () => {
    const survivor = defineJob({
      name: 'test.survivor',
      queue: `survivor-${backend}`,
      schema: ZNote,
      attempts: 3,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    let effects = 0;
    const registered = [handle(survivor, async () => void (effects += 1))];
    const { id } = await queueOf(registered).enqueue(survivor, { note: 'x' });
    // A process claimed it and died: the row says running, its lease in the past.
    await tenancy.withMaintenance((tx) =>
      tx
        .update(jobs)
        .set({ status: 'running', attemptsMade: 1, lockedUntil: new Date(Date.now() - 1000) })
        .where(eq(jobs.id, id)),
    );
    expect(await queueOf(registered).drain()).toBe(1);
    expect(effects).toBe(1);
    const [row] = await tenancy.withMaintenance((tx) =>
      tx.select().from(jobs).where(eq(jobs.id, id)),
    );
    expect(row).toMatchObject({ status: 'completed', attemptsMade: 2 });
  });

  it('lets a running job finish on stop', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    const slow = defineJob({
      name: 'test.slow',
      queue: `slow-${backend}`,
      schema: ZNote,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 0 },
    });
    let started = false;
    const queue = queueOf([
      handle(slow, async () => {
        started = true;
        await gate;
        finished = true;
      }),
    ]);
    await queue.start();
    await queue.enqueue(slow, { note: 'x' });
    await eventually(() => started);
    const stopping = queue.stop();
    setTimeout(release, 50);
    await stopping;
    expect(finished).toBe(true);
  });

  it('refuses a registry where two handlers claim one name, or a declared job has none', () => {
    const job = defineJob({
      name: 'test.twice',
      queue: 'q',
      schema: ZNote,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 0 },
    });
    const other = defineJob({ ...job, name: 'test.orphan' });
    expect(() =>
      createJobRegistry([handle(job, async () => {}), handle(job, async () => {})]),
    ).toThrow(/two handlers claim "test.twice"/);
    expect(() => createJobRegistry([handle(job, async () => {})], [other])).toThrow(
      /no handler for test.orphan/,
    );
    expect(() => defineJob({ ...job, name: 'NoDots' })).toThrow(/not a job name/);
  });
});
