import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTenancy, type Tenancy } from '#server/platform/db/tenancy';
import { listDeadLetters } from '#server/platform/jobs/dead-letters';
import { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { createDatabase, type Database } from '#server/platform/db/database';
import {
  createJobRegistry,
  defineJob,
  defineSchedule,
  handle,
  JobPayloadError,
  type TJobSettled,
  type TRegisteredJob,
} from '#server/platform/jobs/jobs';
import { deadLetters, jobSchedules, jobs } from '#server/platform/jobs/jobs.schema';
import { openTestDatabase, testBackends, type TTestDatabase } from '#test/databases';
import { eventually } from '#test/wait';

const logger = pino({ level: 'silent' });

const ZNote = z.object({ note: z.string().min(1) });

describe.each(testBackends())('the inline job queue on %s', (backend) => {
  let handle_: TTestDatabase;
  let tenancy: Tenancy;

  beforeAll(async () => {
    handle_ = await openTestDatabase(backend);
    tenancy = createTenancy(handle_.database);
  });
  afterAll(() => handle_?.close());

  const jobById = async (id: string) =>
    (await tenancy.withMaintenance((tx) => tx.select().from(jobs).where(eq(jobs.id, id))))[0];

  const queueOf = (
    registered: TRegisteredJob[],
    concurrency = 4,
    extra: Partial<Parameters<typeof createInlineQueue>[0]> = {},
  ) =>
    createInlineQueue({
      tenancy,
      registry: createJobRegistry(registered),
      logger,
      concurrency,
      pollMs: 20,
      leaseMs: 60_000,
      graceMs: 5_000,
      ...extra,
    });

  it('runs a repeatable job once per tick, starts over when its timing changes, and drops a removed one', async () => {
    const ticks: number[] = [];
    const tick = defineJob({
      name: 'test.tick',
      queue: `ticks-${backend}`,
      schema: z.object({ n: z.number() }),
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    const queue = queueOf([handle(tick, async ({ n }) => void ticks.push(n))]);
    const every = defineSchedule({
      name: 'test.every',
      job: tick,
      payload: { n: 1 },
      everyMs: 150,
    });
    expect(() =>
      defineSchedule({
        name: 'test.both',
        job: tick,
        payload: { n: 1 },
        everyMs: 1,
        cron: '* * * * *',
      }),
    ).toThrow(/exactly one of cron or everyMs/);
    expect(() =>
      defineSchedule({ name: 'test.bad', job: tick, payload: { n: 'x' } as never, everyMs: 5 }),
    ).toThrow(JobPayloadError);
    await queue.start();
    await queue.schedule([every]);
    await eventually(() => ticks.length >= 3);
    const rows = await tenancy.withMaintenance((tx) =>
      tx.select().from(jobs).where(eq(jobs.name, 'test.tick')),
    );
    // One job per tick, each keyed by its tick: no tick ran twice.
    const keys = rows.map((row) => row.dedupKey!);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.every((key) => /^test\.every@\d{4}-\d\d-\d\dT/.test(key))).toBe(true);

    const cron = defineSchedule({
      name: 'test.every',
      job: tick,
      payload: { n: 2 },
      cron: '0 0 1 1 *',
    });
    await queue.schedule([cron]);
    const [row] = await tenancy.withMaintenance((tx) =>
      tx.select().from(jobSchedules).where(eq(jobSchedules.name, 'test.every')),
    );
    expect(row).toMatchObject({ timing: 'cron:0 0 1 1 *', payload: { n: 2 } });
    expect(row!.nextRunAt.getUTCMonth()).toBe(0);
    expect(row!.nextRunAt.getUTCDate()).toBe(1);
    await queue.schedule([]);
    expect(await tenancy.withMaintenance((tx) => tx.$count(jobSchedules))).toBe(0);
    await queue.stop();
  });

  it('reports counts, throughput, failure rate and p95 per queue, and tells onSettled each outcome', async () => {
    const settled: TJobSettled[] = [];
    const work = defineJob({
      name: 'test.work',
      queue: `work-${backend}`,
      schema: z.object({ fail: z.boolean() }),
      attempts: 2,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    const queue = queueOf(
      [
        handle(work, async ({ fail }) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (fail) throw new Error('no');
        }),
      ],
      4,
      { onSettled: async (info) => void settled.push(info) },
    );
    await queue.enqueue(work, { fail: false });
    await queue.enqueue(work, { fail: false });
    await queue.enqueue(work, { fail: true });
    await queue.enqueue(work, { fail: false }, { delayMs: 60_000 });
    await queue.drain();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await queue.drain();
    const [stats] = await queue.stats(15);
    expect(stats).toMatchObject({
      queue: `work-${backend}`,
      counts: { waiting: 0, delayed: 1, active: 0, completed: 2, failed: 1 },
      windowMinutes: 15,
      failureRate: 1 / 3,
    });
    expect(stats!.throughputPerMinute).toBeCloseTo(3 / 15);
    expect(stats!.p95DurationMs).toBeGreaterThanOrEqual(4);
    expect(settled.map((s) => s.outcome).sort()).toEqual([
      'completed',
      'completed',
      'dead',
      'retrying',
    ]);
    expect(settled.every((s) => s.durationMs >= 4 && s.queue === `work-${backend}`)).toBe(true);
  });

  it('keeps the lease of a job running longer than its lease, so no second worker takes it', async () => {
    let runs = 0;
    const long = defineJob({
      name: 'test.long',
      queue: `long-${backend}`,
      schema: z.object({}),
      attempts: 3,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    const handler = handle(long, async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 1_200));
    });
    // Two workers on one database, each leasing for 300 ms: the job runs four leases long. (A
    // lease of 100 ms was too short to renew on a loaded machine, where PGlite answers slowly.)
    const first = queueOf([handler], 1, { leaseMs: 300 });
    const second = queueOf([handler], 1, { leaseMs: 300 });
    await first.enqueue(long, {});
    await first.start();
    await eventually(() => runs === 1);
    await second.start();
    const [row] = await tenancy.withMaintenance((tx) =>
      tx.select().from(jobs).where(eq(jobs.name, 'test.long')),
    );
    await eventually(async () => (await jobById(row!.id))?.status === 'completed');
    await first.stop();
    await second.stop();
    expect(runs).toBe(1);
  });

  it('keeps to a queue’s concurrency and rate limit', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const slow = defineJob({
      name: 'test.slow',
      queue: `slow-${backend}`,
      schema: z.object({}),
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    const queue = queueOf(
      [
        handle(slow, async () => {
          started.push(Date.now());
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 30));
          running -= 1;
        }),
      ],
      10,
      {
        queueOptions: {
          [`slow-${backend}`]: { concurrency: 2, rateLimit: { max: 3, durationMs: 400 } },
        },
      },
    );
    for (let i = 0; i < 6; i++) await queue.enqueue(slow, {});
    await queue.start();
    await eventually(() => started.length === 6);
    await queue.stop();
    expect(most).toBeLessThanOrEqual(2);
    // Six jobs at three per 400 ms: the fourth started a window after the first.
    expect(started[3]! - started[0]!).toBeGreaterThanOrEqual(390);
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
    expect(await jobById(id)).toMatchObject({ status: 'completed', attemptsMade: 1 });
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
    await eventually(async () => (await jobById(id))?.status === 'completed');
    await queue.stop();
    expect(calls).toBe(3);
    expect((await jobById(id))!.history.map((h) => h.error)).toEqual([
      'Error: boom 1',
      'Error: boom 2',
    ]);
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
    expect(await jobById(id)).toMatchObject({ status: 'completed', attemptsMade: 2 });
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

/** Several processes on one PostgreSQL, each with its own connections: nothing runs twice. */
describe.runIf(testBackends().includes('postgres'))('the inline job queue across processes', () => {
  let handle_: TTestDatabase;
  const others: Database[] = [];

  beforeAll(async () => {
    handle_ = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const database of others) await database.close();
    await handle_?.close();
  });

  it('two workers and two schedulers: each tick of a repeatable job runs once, each job once', async () => {
    const runs: { n: number; key: string | null; by: string }[] = [];
    const beat = defineJob({
      name: 'test.beat',
      queue: 'beats',
      schema: z.object({ n: z.number() }),
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    const processes = await Promise.all(
      ['a', 'b'].map(async (by) => {
        const database = await createDatabase({ url: handle_.url, poolMax: 3, connectAttempts: 1 });
        others.push(database);
        return createInlineQueue({
          tenancy: createTenancy(database),
          registry: createJobRegistry([
            handle(beat, async ({ n }, { dedupKey }) => void runs.push({ n, key: dedupKey, by })),
          ]),
          logger,
          concurrency: 4,
          pollMs: 1_000,
          leaseMs: 60_000,
          graceMs: 2_000,
          listen: database.listen,
        });
      }),
    );
    const schedule = defineSchedule({
      name: 'test.beat',
      job: beat,
      payload: { n: 0 },
      everyMs: 100,
    });
    for (const queue of processes) {
      await queue.start();
      await queue.schedule([schedule]);
    }
    // Plain jobs too, enqueued through one process and taken by either (LISTEN wakes both).
    for (let n = 1; n <= 20; n++) await processes[n % 2]!.enqueue(beat, { n });
    await eventually(() => runs.filter((run) => run.n === 0).length >= 8 && runs.length >= 28);
    for (const queue of processes) await queue.stop();

    const ticks = runs.filter((run) => run.n === 0).map((run) => run.key);
    expect(new Set(ticks).size).toBe(ticks.length);
    const plain = runs.filter((run) => run.n > 0).map((run) => run.n);
    expect(plain.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Both processes took part (the scheduler ticks and jobs are shared, not one process's).
    expect(new Set(runs.map((run) => run.by)).size).toBe(2);
  });
});
