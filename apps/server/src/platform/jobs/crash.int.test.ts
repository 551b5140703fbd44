import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryRows } from '#server/platform/db/database';
import { createTenancy } from '#server/platform/db/tenancy';
import { createBullmqQueue } from '#server/platform/jobs/bullmq-driver';
import { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { createJobRegistry, handle, type JobQueue } from '#server/platform/jobs/jobs';
import { openTestDatabase, testBackends, type TTestDatabase } from '#test/databases';
import { effectJob } from '#test/fixtures/effect-job';
import { deleteRedisKeys } from '#test/redis';
import { eventually } from '#test/wait';

const serverDir = path.resolve(import.meta.dirname, '../../..');
const redisUrl = inject('redisUrl');
const logger = pino({ level: 'silent' });

/** A worker process (test/fixtures/job-worker.ts) and what it printed. */
function spawnWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/job-worker.ts'], {
    cwd: serverDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const printed = (text: string, timeoutMs = 60_000) =>
    eventually(
      () => {
        if (output.includes(text)) return true;
        if (child.exitCode !== null) throw new Error(`worker exited before "${text}":\n${output}`);
        return false;
      },
      { timeoutMs, intervalMs: 50, message: () => `worker did not print "${text}":\n${output}` },
    );
  return { child, exited, printed, output: () => output };
}

const drivers = (['inline', 'bullmq'] as const).filter((d) => d === 'inline' || redisUrl);

// Worker processes share one database with the test: PostgreSQL only (PGlite is one process).
describe.runIf(testBackends().includes('postgres'))('a worker killed mid-job', () => {
  let handle_: TTestDatabase;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    handle_ = await openTestDatabase('postgres');
    await handle_.database.db.execute(
      sql`create table test_effects (key text not null, n int not null)`,
    );
    await handle_.database.db.execute(sql`create table test_ticks (key text not null, pid int)`);
    await handle_.database.db.execute(
      sql`grant select, insert on test_effects, test_ticks to corebase_maintenance`,
    );
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await handle_?.close();
  });

  /** The worker processes' environment, on a Redis prefix of their own removed afterwards. */
  function workerEnv(
    driver: (typeof drivers)[number],
    name: string,
    extra: Record<string, string> = {},
  ) {
    const prefix = `cb-${name}-${randomUUID()}`;
    if (driver === 'bullmq') cleanups.push(() => deleteRedisKeys(redisUrl!, prefix));
    const env: Record<string, string> = {
      DATABASE_URL: handle_.url!,
      DRIVER: driver,
      ...extra,
      ...(redisUrl ? { REDIS_URL: redisUrl, PREFIX: prefix } : {}),
    };
    return { prefix, env };
  }

  it.each(drivers)(
    'with the %s driver: after a restart the job completes and its effect happened once',
    async (driver) => {
      const { prefix, env } = workerEnv(driver, 'crash');
      // The producer: the same driver as the workers, in this process.
      const registry = createJobRegistry([handle(effectJob, async () => undefined)]);
      const tenancy = createTenancy(handle_.database);
      const producer: JobQueue =
        driver === 'inline'
          ? createInlineQueue({
              tenancy,
              registry,
              logger,
              concurrency: 1,
              pollMs: 1_000,
              leaseMs: 1_000,
              graceMs: 100,
            })
          : createBullmqQueue({
              redisUrl: redisUrl!,
              prefix,
              registry,
              logger,
              concurrency: 1,
              graceMs: 100,
              onDeadLetter: async () => undefined,
            });
      cleanups.push(() => producer.stop());
      const key = `crash-${driver}`;
      await producer.enqueue(effectJob, { n: 1 }, { dedupKey: key });

      const first = spawnWorker({ ...env, HOLD_MS: '600000' });
      cleanups.push(async () => void first.child.kill('SIGKILL'));
      await first.printed(`effect applied ${key}`);
      first.child.kill('SIGKILL');
      await first.exited;

      const second = spawnWorker({ ...env, HOLD_MS: '0' });
      cleanups.push(async () => {
        second.child.kill('SIGTERM');
        await second.exited;
      });
      // The job is taken again once the dead worker's lease (inline) or lock (BullMQ) ran out.
      await second.printed(`effect applied ${key}`);
      await eventually(async () => (await producer.stats())[0]?.counts.completed === 1, {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: () => `the job did not complete:\n${second.output()}`,
      });
      const rows = await queryRows<{ n: number }>(
        handle_.database.db,
        sql`select n from test_effects where key = ${key}`,
      );
      expect(rows).toEqual([{ n: 1 }]);
    },
    120_000,
  );

  it.each(drivers)(
    'with the %s driver, two worker processes that are both schedulers run each tick once',
    async (driver) => {
      const { env } = workerEnv(driver, 'ticks', { SCHEDULE_EVERY_MS: '200' });
      const started = Date.now();
      const workers = [spawnWorker(env), spawnWorker(env)];
      for (const worker of workers) {
        cleanups.push(async () => void worker.child.kill('SIGKILL'));
        await worker.printed('worker ready');
      }
      const ticks = async () =>
        queryRows<{ key: string; pid: number }>(
          handle_.database.db,
          sql`select key, pid from test_ticks where key like ${driver === 'inline' ? 'test.tick@%' : 'repeat:%'}`,
        );
      await eventually(async () => (await ticks()).length >= 8, {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: () => `too few ticks:\n${workers[0]!.output()}`,
      });
      for (const worker of workers) {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
      const elapsed = Date.now() - started;
      const rows = await ticks();
      const keys = rows.map((row) => row.key);
      // No tick ran twice, and no more ran than the interval allows: not one series per scheduler.
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 2);
    },
    120_000,
  );
});
