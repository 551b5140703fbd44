import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createBullmqQueue, type TBullmqQueueDeps, type TDeadLetter } from './bullmq-driver';
import {
  createJobRegistry,
  defineJob,
  defineSchedule,
  handle,
  JobPayloadError,
  type JobQueue,
  type TJobContext,
  type TJobDefinition,
  type TJobSettled,
  type TRegisteredJob,
  type TSchedule,
} from './jobs';
import { deleteRedisKeys } from '#test/redis';
import { eventually } from '#test/wait';

const redisUrl = inject('redisUrl');
const logger = pino({ level: 'silent' });
/** Every key this file writes starts with this, and afterAll removes them all. */
const filePrefix = `cbtest:bullmq:${randomBytes(4).toString('hex')}`;

const ZPayload = z.object({ n: z.number().int() });
type TPayload = z.infer<typeof ZPayload>;

/** A job on ZPayload, one attempt, retried after 5 ms unless `overrides` say otherwise. */
const testJob = (name: string, queue: string, overrides: Partial<TJobDefinition<TPayload>> = {}) =>
  defineJob({
    name,
    queue,
    schema: ZPayload,
    attempts: 1,
    backoff: { type: 'fixed', delayMs: 5 },
    ...overrides,
  });

const waitFor = (check: () => boolean, timeoutMs = 5000) =>
  eventually(check, { timeoutMs, message: () => 'waitFor: timed out' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(redisUrl)('BullMQ job driver', () => {
  let redis: Redis;
  const open: { close(): Promise<unknown> }[] = [];
  let counter = 0;

  /**
   * A driver on its own prefix (or a given one, to run several "processes" on one queue), with
   * dead letters and settled attempts collected.
   */
  function setup(jobs: TRegisteredJob[], options: Partial<TBullmqQueueDeps> = {}) {
    const prefix = options.prefix ?? `${filePrefix}:${++counter}`;
    const deadLetters: TDeadLetter[] = [];
    const settled: TJobSettled[] = [];
    const queue: JobQueue = createBullmqQueue({
      redisUrl: redisUrl!,
      registry: createJobRegistry(jobs),
      logger,
      concurrency: 2,
      graceMs: 5_000,
      onDeadLetter: async (letter) => {
        deadLetters.push(letter);
      },
      onSettled: async (attempt) => {
        settled.push(attempt);
      },
      ...options,
      prefix,
    });
    open.push({ close: () => queue.stop() });
    /** A plain BullMQ queue on the same prefix, to look at what is in Redis. */
    const inspect = (name: string) => {
      const q = new Queue(name, { connection: { url: redisUrl! }, prefix });
      open.push(q);
      return q;
    };
    return { queue, deadLetters, settled, inspect, prefix };
  }

  beforeAll(() => {
    redis = new Redis(redisUrl!);
  });
  afterAll(async () => {
    for (const item of open) await item.close().catch(() => undefined);
    await deleteRedisKeys(redisUrl!, filePrefix);
    redis?.disconnect();
  });

  it('runs an enqueued job with its payload and context', async () => {
    const seen: { payload: TPayload; ctx: TJobContext }[] = [];
    const def = testJob('test.simple', 'alpha');
    const { queue } = setup([
      handle(def, async (payload, ctx) => void seen.push({ payload, ctx })),
    ]);
    await queue.start();
    const { id, deduplicated } = await queue.enqueue(def, { n: 7 });
    expect(deduplicated).toBe(false);
    await waitFor(() => seen.length === 1);
    expect(seen[0]!.payload).toEqual({ n: 7 });
    expect(seen[0]!.ctx).toMatchObject({ jobId: id, attempt: 1, dedupKey: null });
  });

  it('retries with backoff until the handler succeeds', async () => {
    const attempts: number[] = [];
    const def = testJob('test.flaky', 'alpha', {
      attempts: 4,
      backoff: { type: 'exponential', delayMs: 5 },
    });
    const { queue, deadLetters } = setup([
      handle(def, async (_payload, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error(`fail ${ctx.attempt}`);
      }),
    ]);
    await queue.start();
    await queue.enqueue(def, { n: 1 });
    await waitFor(() => attempts.length === 3);
    await sleep(50);
    expect(attempts).toEqual([1, 2, 3]);
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters a job once its attempts are used up', async () => {
    let calls = 0;
    const def = testJob('test.broken', 'alpha', { attempts: 3 });
    const { queue, deadLetters } = setup([
      handle(def, async () => {
        calls += 1;
        throw new Error('boom');
      }),
    ]);
    await queue.start();
    const { id } = await queue.enqueue(def, { n: 2 }, { dedupKey: 'broken-2' });
    await waitFor(() => deadLetters.length === 1);
    await sleep(50);
    expect(calls).toBe(3);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      id,
      name: 'test.broken',
      queue: 'alpha',
      payload: { n: 2 },
      error: 'boom',
      attempts: 3,
      dedupKey: 'broken-2',
    });
    expect(deadLetters[0]!.stack).toContain('boom');
  });

  it('dead-letters at once on an unrecoverable error or a payload that no longer validates', async () => {
    let calls = 0;
    const def = testJob('test.fatal', 'alpha', { attempts: 5 });
    const { queue, deadLetters, inspect } = setup([
      handle(def, async () => {
        calls += 1;
        throw new UnrecoverableError('no point retrying');
      }),
    ]);
    await queue.start();
    await queue.enqueue(def, { n: 3 });
    // Written around the driver, as an older release with another schema might have.
    await inspect('alpha').add(
      'test.fatal',
      { payload: { n: 'three' }, dedupKey: null },
      { attempts: 5, jobId: 'bad-payload' },
    );
    await waitFor(() => deadLetters.length === 2);
    expect(calls).toBe(1);
    const byError = Object.fromEntries(deadLetters.map((d) => [d.id, d]));
    expect(byError['bad-payload']).toMatchObject({ attempts: 1 });
    expect(byError['bad-payload']!.error).toMatch(/bad payload/);
    expect(deadLetters.find((d) => d.id !== 'bad-payload')).toMatchObject({
      error: 'no point retrying',
      attempts: 1,
    });
  });

  it('does not run a delayed job before its delay', async () => {
    let ranAt = 0;
    const def = testJob('test.later', 'alpha');
    const { queue } = setup([handle(def, async () => void (ranAt = Date.now()))]);
    await queue.start();
    const enqueuedAt = Date.now();
    await queue.enqueue(def, { n: 4 }, { delayMs: 400 });
    await sleep(250);
    expect(ranAt).toBe(0);
    await waitFor(() => ranAt > 0);
    expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(390);
  });

  it('runs higher priorities first', async () => {
    const order: number[] = [];
    const def = testJob('test.ranked', 'alpha');
    const { queue } = setup([handle(def, async ({ n }) => void order.push(n))], {
      concurrency: 1,
    });
    await queue.enqueue(def, { n: 100 });
    await queue.enqueue(def, { n: 5 }, { priority: 5 });
    await queue.enqueue(def, { n: 1 }, { priority: 1 });
    await queue.enqueue(def, { n: 3 }, { priority: 3 });
    await queue.start();
    await waitFor(() => order.length === 4);
    expect(order).toEqual([1, 3, 5, 100]);
  });

  it('does not enqueue a job again while one with its dedup key is waiting', async () => {
    const seen: (string | null)[] = [];
    const def = testJob('test.unique', 'beta', { dedupKey: ({ n }) => `unique:${n}` });
    const { queue, inspect } = setup([
      handle(def, async (_p, ctx) => void seen.push(ctx.dedupKey)),
    ]);
    const first = await queue.enqueue(def, { n: 1 });
    const second = await queue.enqueue(def, { n: 1 });
    const other = await queue.enqueue(def, { n: 2 });
    const overridden = await queue.enqueue(def, { n: 3 }, { dedupKey: 'unique:1' });
    expect(first.deduplicated).toBe(false);
    expect(second).toEqual({ id: first.id, deduplicated: true });
    expect(other.deduplicated).toBe(false);
    expect(overridden).toEqual({ id: first.id, deduplicated: true });
    const counts = await inspect('beta').getJobCounts('waiting', 'prioritized', 'delayed');
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0)).toBe(2);

    await queue.start();
    await waitFor(() => seen.length === 2);
    expect(seen.sort()).toEqual(['unique:1', 'unique:2']);
    // Once the job has finished, its key is free again.
    const again = await queue.enqueue(def, { n: 1 });
    expect(again.deduplicated).toBe(false);
    await waitFor(() => seen.length === 3);
  });

  it('refuses a bad payload at enqueue and writes nothing', async () => {
    const def = testJob('test.strict', 'gamma');
    const { queue, inspect, prefix } = setup([handle(def, async () => undefined)]);
    await expect(queue.enqueue(def, { n: 'x' } as unknown as TPayload)).rejects.toBeInstanceOf(
      JobPayloadError,
    );
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    const counts = await inspect('gamma').getJobCounts();
    expect(Object.values(counts).every((c) => c === 0)).toBe(true);
  });

  it('lets a running job finish when stopped', async () => {
    let started = false;
    let finished = false;
    const def = testJob('test.slow', 'alpha');
    const { queue, inspect } = setup([
      handle(def, async () => {
        started = true;
        await sleep(300);
        finished = true;
      }),
    ]);
    await queue.start();
    const { id } = await queue.enqueue(def, { n: 9 });
    await waitFor(() => started);
    await queue.stop();
    expect(finished).toBe(true);
    expect(await inspect('alpha').getJobState(id)).toBe('completed');
    await expect(queue.enqueue(def, { n: 10 })).rejects.toThrow(/stopped/);
  });

  it('reports every attempt to onSettled: retrying, completed, dead', async () => {
    const flaky = testJob('test.settle-flaky', 'alpha', { attempts: 3 });
    const doomed = testJob('test.settle-doomed', 'beta', { attempts: 2 });
    const { queue, settled, deadLetters } = setup([
      handle(flaky, async (_payload, ctx) => {
        await sleep(30);
        if (ctx.attempt < 3) throw new Error(`fail ${ctx.attempt}`);
      }),
      handle(doomed, async () => {
        throw new Error('never');
      }),
    ]);
    await queue.start();
    const { id } = await queue.enqueue(flaky, { n: 1 }, { dedupKey: 'settle-1' });
    const dead = await queue.enqueue(doomed, { n: 2 });
    await waitFor(() => settled.length === 5);
    await sleep(50);
    const ofFlaky = settled.filter((s) => s.jobId === id);
    expect(ofFlaky.map((s) => [s.outcome, s.attempt])).toEqual([
      ['retrying', 1],
      ['retrying', 2],
      ['completed', 3],
    ]);
    for (const attempt of ofFlaky) {
      expect(attempt).toMatchObject({
        name: 'test.settle-flaky',
        queue: 'alpha',
        dedupKey: 'settle-1',
      });
      expect(attempt.durationMs).toBeGreaterThanOrEqual(25);
      expect(attempt.durationMs).toBeLessThan(1000);
    }
    expect(settled.filter((s) => s.jobId === dead.id)).toEqual([
      expect.objectContaining({ outcome: 'retrying', attempt: 1, queue: 'beta', dedupKey: null }),
      expect.objectContaining({ outcome: 'dead', attempt: 2 }),
    ]);
    expect(deadLetters.map((d) => d.id)).toEqual([dead.id]);
  });

  it('keeps the job outcome when onSettled throws', async () => {
    const fine = testJob('test.hook-fine', 'alpha');
    const broken = testJob('test.hook-broken', 'alpha', { attempts: 2 });
    let brokenCalls = 0;
    let hookCalls = 0;
    const { queue, deadLetters, inspect } = setup(
      [
        handle(fine, async () => undefined),
        handle(broken, async () => {
          brokenCalls += 1;
          throw new Error('broken');
        }),
      ],
      {
        onSettled: async () => {
          hookCalls += 1;
          throw new Error('metrics are down');
        },
      },
    );
    await queue.start();
    const ok = await queue.enqueue(fine, { n: 1 });
    const bad = await queue.enqueue(broken, { n: 2 });
    await waitFor(() => hookCalls === 3 && deadLetters.length === 1);
    await sleep(100);
    expect(await inspect('alpha').getJobState(ok.id)).toBe('completed');
    expect(await inspect('alpha').getJobState(bad.id)).toBe('failed');
    expect(brokenCalls).toBe(2);
    expect(deadLetters).toHaveLength(1);
  });

  it('applies per-queue concurrency and rate limits', async () => {
    expect(() => setup([], { queueOptions: { nowhere: { concurrency: 1 } } })).toThrow(/nowhere/);

    const serial = testJob('test.serial', 'alpha');
    const limited = testJob('test.limited', 'beta');
    let runningNow = 0;
    let mostAtOnce = 0;
    const starts: number[] = [];
    const { queue } = setup(
      [
        handle(serial, async () => {
          runningNow += 1;
          mostAtOnce = Math.max(mostAtOnce, runningNow);
          await sleep(40);
          runningNow -= 1;
        }),
        handle(limited, async () => void starts.push(Date.now())),
      ],
      {
        concurrency: 4,
        queueOptions: {
          alpha: { concurrency: 1 },
          beta: { rateLimit: { max: 2, durationMs: 400 } },
        },
      },
    );
    for (let n = 0; n < 4; n++) await queue.enqueue(serial, { n });
    for (let n = 0; n < 6; n++) await queue.enqueue(limited, { n });
    await queue.start();
    await waitFor(() => starts.length === 6 && mostAtOnce > 0 && runningNow === 0, 5000);
    expect(mostAtOnce).toBe(1);
    // Six jobs at two per 400 ms take three windows (measured from the handlers, which start a
    // little after BullMQ takes the job, hence the slack).
    const first = starts[0]!;
    expect(starts.filter((t) => t - first < 250)).toHaveLength(2);
    expect(starts[5]! - first).toBeGreaterThanOrEqual(700);
  });

  /** Short lock and stall checks, the same in every driver on one prefix (BullMQ shares them). */
  const compressed = {
    lockDurationMs: 300,
    stalledIntervalMs: 100,
    graceMs: 100,
  } satisfies Partial<TBullmqQueueDeps>;

  it('force-closes after the grace period; another worker runs the job again', async () => {
    const def = testJob('test.stuck-once', 'alpha');
    let runs = 0;
    let release = () => {};
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const jobs = [
      handle(def, async () => {
        runs += 1;
        // Only the first run hangs, as if its process were wedged.
        if (runs === 1) await stuck;
      }),
    ];
    const first = setup(jobs, compressed);
    await first.queue.start();
    const { id } = await first.queue.enqueue(def, { n: 1 });
    await waitFor(() => runs === 1);
    const stopping = Date.now();
    await first.queue.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);

    const second = setup(jobs, { ...compressed, prefix: first.prefix });
    await second.queue.start();
    await waitFor(() => second.settled.length === 1, 5000);
    expect(runs).toBe(2);
    expect(second.settled[0]).toMatchObject({ jobId: id, outcome: 'completed' });
    expect(await first.inspect('alpha').getJobState(id)).toBe('completed');

    // The abandoned run finishing late changes nothing and reports nothing.
    release();
    await sleep(100);
    expect(first.settled).toEqual([]);
    expect(await first.inspect('alpha').getJobState(id)).toBe('completed');
    expect([...first.deadLetters, ...second.deadLetters]).toEqual([]);
  });

  it('dead-letters, once, a job that stalled more often than allowed', async () => {
    const def = testJob('test.wedged', 'alpha', { attempts: 3 });
    let runs = 0;
    const jobs = [
      handle(def, async () => {
        runs += 1;
        await new Promise(() => undefined);
      }),
    ];
    const options = { ...compressed, maxStalledCount: 1 };
    const first = setup(jobs, options);
    const { prefix } = first;
    await first.queue.start();
    const { id } = await first.queue.enqueue(def, { n: 1 }, { dedupKey: 'wedged-1' });
    await waitFor(() => runs === 1);
    await first.queue.stop();

    // Found stalled once: it runs again (maxStalledCount 1), and wedges that worker too.
    const second = setup(jobs, { ...options, prefix });
    await second.queue.start();
    await waitFor(() => runs === 2, 5000);
    await second.queue.stop();

    // Found stalled a second time: the next worker fails it without running it.
    const third = setup(jobs, { ...options, prefix });
    await third.queue.start();
    await waitFor(() => third.deadLetters.length === 1, 5000);
    await sleep(300);
    const all = [first, second, third];
    expect(all.flatMap((d) => d.deadLetters)).toEqual([
      expect.objectContaining({
        id,
        name: 'test.wedged',
        queue: 'alpha',
        payload: { n: 1 },
        dedupKey: 'wedged-1',
        error: 'job stalled more than allowable limit',
        attempts: 2,
      }),
    ]);
    expect(all.flatMap((d) => d.settled)).toEqual([
      expect.objectContaining({ jobId: id, outcome: 'dead', attempt: 2, dedupKey: 'wedged-1' }),
    ]);
    expect(runs).toBe(2);
    expect(await first.inspect('alpha').getJobState(id)).toBe('failed');
  });

  it('runs each tick of a schedule once, however many schedulers and workers', async () => {
    const def = testJob('test.tick', 'alpha');
    const ticks: string[] = [];
    const jobs = [handle(def, async (_p, ctx) => void ticks.push(ctx.jobId))];
    const every = defineSchedule({
      name: 'test.every-200',
      job: def,
      payload: { n: 1 },
      everyMs: 200,
    });
    // Two processes, each a scheduler and a worker.
    const one = setup(jobs);
    const two = setup(jobs, { prefix: one.prefix });
    const began = Date.now();
    await Promise.all([one.queue.schedule([every]), two.queue.schedule([every])]);
    await Promise.all([one.queue.start(), two.queue.start()]);
    await sleep(1200);
    // A scheduler restarting mid-run must not add a tick either.
    await one.queue.schedule([every]);
    await sleep(300);
    await Promise.all([one.queue.stop(), two.queue.stop()]);
    const elapsed = Date.now() - began;

    const ids = ticks;
    expect(new Set(ids).size).toBe(ids.length);
    // BullMQ names tick jobs repeat:<scheduler>:<tick time>.
    const tickTimes = ids
      .map((id) => Number(/^repeat:test\.every-200:(\d+)$/.exec(id)?.[1]))
      .sort();
    expect(tickTimes.every(Number.isFinite)).toBe(true);
    for (let i = 1; i < tickTimes.length; i++) {
      const gap = tickTimes[i]! - tickTimes[i - 1]!;
      expect(gap % 200).toBe(0);
      expect(gap).toBeGreaterThan(0);
    }
    const expected = elapsed / 200;
    expect(ticks.length).toBeGreaterThanOrEqual(Math.floor(expected) - 1);
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil(expected) + 1);
    expect([...one.settled, ...two.settled].every((s) => s.outcome === 'completed')).toBe(true);
  });

  it('keeps only the schedules it is given, and checks them before writing', async () => {
    const def = testJob('test.scheduled', 'alpha', { attempts: 2, priority: 7 });
    const other = testJob('test.scheduled-beta', 'beta');
    const { queue, inspect } = setup([
      handle(def, async () => undefined),
      handle(other, async () => undefined),
    ]);
    const hourly = defineSchedule({
      name: 'test.hourly',
      job: def,
      payload: { n: 1 },
      everyMs: 3_600_000,
    });
    const nightly = defineSchedule({
      name: 'test.nightly',
      job: def,
      payload: { n: 2 },
      cron: '0 3 * * *',
    });
    const weekly = defineSchedule({
      name: 'test.weekly',
      job: other,
      payload: { n: 3 },
      cron: '0 4 * * 1',
    });
    const keys = async (name: string) =>
      (await inspect(name).getJobSchedulers(0, -1)).map((s) => s.key).sort();

    await queue.schedule([hourly, nightly, weekly]);
    expect(await keys('alpha')).toEqual(['test.hourly', 'test.nightly']);
    expect(await keys('beta')).toEqual(['test.weekly']);
    const night = await inspect('alpha').getJobScheduler('test.nightly');
    expect(night).toMatchObject({ pattern: '0 3 * * *', tz: 'UTC', name: 'test.scheduled' });
    expect(night?.template?.data).toEqual({ payload: { n: 2 }, dedupKey: null });
    expect(night?.template?.opts).toMatchObject({ attempts: 2, priority: 7 });

    const bad = {
      name: 'test.bad',
      job: def,
      payload: { n: 'x' },
      everyMs: 1000,
    } as unknown as TSchedule;
    await expect(queue.schedule([hourly, bad])).rejects.toBeInstanceOf(JobPayloadError);
    expect(await keys('alpha')).toEqual(['test.hourly', 'test.nightly']);

    await queue.schedule([hourly]);
    expect(await keys('alpha')).toEqual(['test.hourly']);
    expect(await keys('beta')).toEqual([]);
    // The dropped schedules' next ticks went with them.
    const delayed = await inspect('alpha').getJobs(['delayed', 'waiting', 'prioritized']);
    expect(delayed.map((j) => j.id).filter((id) => !id?.startsWith('repeat:test.hourly:'))).toEqual(
      [],
    );
    expect(await inspect('beta').getJobCounts('delayed', 'waiting', 'prioritized')).toEqual({
      delayed: 0,
      waiting: 0,
      prioritized: 0,
    });

    await queue.schedule([]);
    expect(await keys('alpha')).toEqual([]);
  });

  it('reports counts, throughput, failure rate and p95 duration per queue', async () => {
    const work = testJob('test.measured', 'alpha');
    const idle = testJob('test.unworked', 'beta');
    const handlers = [
      handle(work, async ({ n }) => {
        await sleep(20 * n);
        if (n === 0) throw new Error('zero');
      }),
      handle(idle, async () => undefined),
    ];
    // Workers for alpha only; the reader knows both queues and runs none.
    const worker = setup([handlers[0]!]);
    const reader = setup(handlers, { prefix: worker.prefix });
    await worker.queue.start();
    for (const n of [1, 2, 3]) await worker.queue.enqueue(work, { n });
    for (let i = 0; i < 2; i++) await worker.queue.enqueue(work, { n: 0 });
    await reader.queue.enqueue(idle, { n: 1 });
    await reader.queue.enqueue(idle, { n: 2 }, { priority: 5 });
    await reader.queue.enqueue(idle, { n: 3 }, { delayMs: 60_000 });
    await waitFor(() => worker.settled.length === 5);
    await sleep(100);

    const [alpha, beta] = await reader.queue.stats();
    expect(alpha).toMatchObject({
      queue: 'alpha',
      counts: { waiting: 0, delayed: 0, active: 0, completed: 3, failed: 2 },
      windowMinutes: 15,
      throughputPerMinute: 5 / 15,
      failureRate: 0.4,
    });
    expect(alpha!.p95DurationMs).toBeGreaterThanOrEqual(55);
    expect(alpha!.p95DurationMs).toBeLessThan(1000);
    expect(beta).toEqual({
      queue: 'beta',
      counts: { waiting: 2, delayed: 1, active: 0, completed: 0, failed: 0 },
      windowMinutes: 15,
      throughputPerMinute: 0,
      failureRate: 0,
      p95DurationMs: null,
    });

    // A window that ended before anything finished counts nothing, whatever Redis still holds.
    await sleep(100);
    const [recent] = await reader.queue.stats(0.001);
    expect(recent).toMatchObject({
      counts: { completed: 3, failed: 2 },
      throughputPerMinute: 0,
      failureRate: 0,
      p95DurationMs: null,
    });
  });
});
