import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { defineEvent } from '@corebase/contracts';
import { eq, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createTenancy, type Tenancy } from '#server/platform/db/tenancy';
import { createBullmqQueue } from '#server/platform/jobs/bullmq-driver';
import { applyOnce } from '#server/platform/jobs/effects';
import { createJobRegistry, defineJob, handle } from '#server/platform/jobs/jobs';
import { jobEffects } from '#server/platform/jobs/jobs.schema';
import {
  acknowledgeDelivery,
  createOutboxDispatcher,
  subscribe,
} from '#server/platform/outbox/dispatcher';
import { createEvents } from '#server/platform/outbox/events';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { openTestDatabase, testBackends, type TTestDatabase } from '#test/databases';
import { isCi } from '#test/services';

const logger = pino({ level: 'silent' });

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/** A private Redis without persistence: a restart comes back empty. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
    });
    try {
      await probe.connect();
      await probe.ping();
      await probe.quit();
      return child;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const stopRedis = async (child: ChildProcess) => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
};

const counted = defineEvent({
  name: 'test.counted',
  version: 1,
  description: 'test event',
  schema: z.object({ n: z.number().int() }),
});

// The shared Redis tells us the machine has redis-server installed (CI must have it).
const haveRedis = Boolean(inject('redisUrl')) || isCi;

describe.runIf(haveRedis).each(testBackends())(
  'events through BullMQ while Redis restarts without persistence, on %s',
  (backend) => {
    let handle_: TTestDatabase;
    let tenancy: Tenancy;
    let redis: ChildProcess | undefined;

    beforeAll(async () => {
      handle_ = await openTestDatabase(backend);
      tenancy = createTenancy(handle_.database);
    });
    afterAll(async () => {
      if (redis) await stopRedis(redis);
      await handle_?.close();
    });

    it('loses no event, and applies each one’s effect once', async () => {
      const port = await freePort();
      redis = await startRedis(port);
      const count = defineJob({
        name: 'test.count',
        queue: `count-${backend}`,
        schema: z.object({ n: z.number().int() }),
        attempts: 20,
        backoff: { type: 'fixed', delayMs: 50 },
      });
      const handled = new Set<number>();
      const queue = createBullmqQueue({
        redisUrl: `redis://127.0.0.1:${port}`,
        prefix: 'cb-restart',
        registry: createJobRegistry([
          handle(count, async ({ n }, { dedupKey }) => {
            // Slow enough that jobs are still queued in Redis when it dies.
            await new Promise((resolve) => setTimeout(resolve, 15));
            await tenancy.withMaintenance((tx) =>
              applyOnce(tx, dedupKey!, async () => void handled.add(n)),
            );
          }),
        ]),
        logger,
        concurrency: 2,
        graceMs: 1_000,
        stalledIntervalMs: 500,
        lockDurationMs: 1_000,
        onSettled: (settled) => tenancy.withMaintenance((tx) => acknowledgeDelivery(tx, settled)),
        onDeadLetter: async () => undefined,
      });
      const dispatcher = createOutboxDispatcher({
        tenancy,
        jobs: queue,
        subscribers: [subscribe('test.counted', count, (event) => event.payload as { n: number })],
        logger,
        pollMs: 20,
        leaseMs: 300,
        reconcileAfterMs: 500,
      });
      const events = createEvents();
      const emit = async (from: number, to: number) => {
        for (let n = from; n < to; n++) {
          await tenancy.withMaintenance((tx) => events.emit(tx, counted, { n }, { orgId: null }));
        }
      };
      const until = async (check: () => Promise<boolean> | boolean, what: () => string) => {
        const deadline = Date.now() + 45_000;
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };

      const progress = () => {
        const missing = Array.from({ length: 60 }, (_, n) => n).filter((n) => !handled.has(n));
        return `every event delivered: ${handled.size} of 60 handled, missing ${missing.join(',')}`;
      };
      await queue.start();
      await dispatcher.start();
      try {
        await emit(0, 20);
        await until(
          () => handled.size >= 5,
          () => 'the first events were handled',
        );
        // Redis dies with jobs queued, and comes back empty.
        await stopRedis(redis);
        expect(handled.size).toBeLessThan(20);
        await emit(20, 40);
        redis = await startRedis(port);
        await emit(40, 60);
        await until(async () => {
          const left = await tenancy.withMaintenance((tx) =>
            tx.$count(outbox, sql`${outbox.status} <> 'delivered'`),
          );
          return left === 0 && handled.size === 60;
        }, progress);
      } finally {
        await dispatcher.stop();
        await queue.stop();
      }
      expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, n) => n));
      const rows = await tenancy.withMaintenance((tx) =>
        tx.select().from(outbox).where(eq(outbox.name, 'test.counted')),
      );
      expect(rows).toHaveLength(60);
      // One effect key per event: nothing was applied twice.
      const keys = await tenancy.withMaintenance((tx) => tx.$count(jobEffects));
      expect(keys).toBe(60);
    }, 90_000);
  },
);
