import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createBullmqQueue, type TDeadLetter } from './bullmq-driver';
import {
  createJobRegistry,
  defineJob,
  handle,
  JobPayloadError,
  type JobQueue,
  type TJobContext,
  type TRegisteredJob,
} from './jobs';

const redisUrl = inject('redisUrl');
const logger = pino({ level: 'silent' });
/** Every key this file writes starts with this, and afterAll removes them all. */
const filePrefix = `cbtest:bullmq:${randomBytes(4).toString('hex')}`;

const ZPayload = z.object({ n: z.number().int() });
type TPayload = z.infer<typeof ZPayload>;

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(redisUrl)('BullMQ job driver', () => {
  let redis: Redis;
  const open: { close(): Promise<unknown> }[] = [];
  let counter = 0;

  /** A driver on its own prefix, with dead letters collected. */
  function setup(jobs: TRegisteredJob[], concurrency = 2) {
    const prefix = `${filePrefix}:${++counter}`;
    const deadLetters: TDeadLetter[] = [];
    const queue: JobQueue = createBullmqQueue({
      redisUrl: redisUrl!,
      prefix,
      registry: createJobRegistry(jobs),
      logger,
      concurrency,
      onDeadLetter: async (letter) => {
        deadLetters.push(letter);
      },
    });
    open.push({ close: () => queue.stop() });
    /** A plain BullMQ queue on the same prefix, to look at what is in Redis. */
    const inspect = (name: string) => {
      const q = new Queue(name, { connection: { url: redisUrl! }, prefix });
      open.push(q);
      return q;
    };
    return { queue, deadLetters, inspect, prefix };
  }

  beforeAll(() => {
    redis = new Redis(redisUrl!);
  });
  afterAll(async () => {
    for (const item of open) await item.close().catch(() => undefined);
    // Leave the shared Redis as we found it.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${filePrefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis?.disconnect();
  });

  it('runs an enqueued job with its payload and context', async () => {
    const seen: { payload: TPayload; ctx: TJobContext }[] = [];
    const def = defineJob({
      name: 'test.simple',
      queue: 'alpha',
      schema: ZPayload,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 5 },
    });
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
    const def = defineJob({
      name: 'test.flaky',
      queue: 'alpha',
      schema: ZPayload,
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
    const def = defineJob({
      name: 'test.broken',
      queue: 'alpha',
      schema: ZPayload,
      attempts: 3,
      backoff: { type: 'fixed', delayMs: 5 },
    });
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
    const def = defineJob({
      name: 'test.fatal',
      queue: 'alpha',
      schema: ZPayload,
      attempts: 5,
      backoff: { type: 'fixed', delayMs: 5 },
    });
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
    const def = defineJob({
      name: 'test.later',
      queue: 'alpha',
      schema: ZPayload,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 5 },
    });
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
    const def = defineJob({
      name: 'test.ranked',
      queue: 'alpha',
      schema: ZPayload,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 5 },
    });
    const { queue } = setup([handle(def, async ({ n }) => void order.push(n))], 1);
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
    const def = defineJob({
      name: 'test.unique',
      queue: 'beta',
      schema: ZPayload,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 5 },
      dedupKey: ({ n }) => `unique:${n}`,
    });
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
    const def = defineJob({
      name: 'test.strict',
      queue: 'gamma',
      schema: ZPayload,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 5 },
    });
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
    const def = defineJob({
      name: 'test.slow',
      queue: 'alpha',
      schema: ZPayload,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 5 },
    });
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
});
