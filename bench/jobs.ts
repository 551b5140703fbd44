// Job platform benchmark (issue 5), run from the repository root:
//
//   npx tsx bench/jobs.ts [--jobs 20000] [--runs 4] [--concurrency 50] [--events 5000]
//                         [--event-runs 2] [--only jobs|events] [--profile]
//
// 1. jobs: no-op jobs/s through Corebase's BullMQ driver against bare BullMQ (Queue + Worker), in
//    the same run. Each run enqueues `--jobs` jobs first (addBulk for bare, driver.enqueue in
//    parallel batches for the driver), then starts ONE worker process at `--concurrency` and times
//    it draining them. Variants alternate order run by run; each run has its own Redis prefix,
//    deleted afterwards. `--profile` writes a CPU profile of every worker process and prints its
//    top frames.
// 2. events: domain events from commit to handler: `events.emit` inside
//    `tenancy.withMaintenance`, the outbox dispatcher delivering each to a no-op job, on a private
//    PostgreSQL database (created, migrated, dropped), with the inline and the BullMQ driver.
//    "backlog" emits all events first and times dispatcher + worker draining them; "live" starts
//    dispatcher + worker first and emits while they run (latency commit → handler).
//
// Redis: REDIS_URL (default redis://127.0.0.1:6379). PostgreSQL: BENCH_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/postgres, a role that may CREATE DATABASE).
//
// The server's sources are imported through the workspace package (@corebase/server/src/…), so
// their own `#server/*` imports resolve against apps/server/package.json.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { z } from 'zod';
import type { Database } from '@corebase/server/src/platform/db/database.ts';
import type { Tenancy } from '@corebase/server/src/platform/db/tenancy.ts';
import { createBullmqQueue } from '@corebase/server/src/platform/jobs/bullmq-driver.ts';
import {
  createJobRegistry,
  defineJob,
  handle,
  type JobQueue,
  type TJobHandler,
} from '@corebase/server/src/platform/jobs/jobs.ts';
import { summariseProfile } from './profile.ts';
import { describeSources, percentile, round } from './report.ts';
import { createScratchDatabase, deletePrefix, redisCpuMs, redisUrl } from './servers.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '50' },
    events: { type: 'string', default: '5000' },
    'event-runs': { type: 'string', default: '2' },
    'poll-ms': { type: 'string', default: '1000' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    // Internal: this process is the worker of one jobs run.
    worker: { type: 'string' },
    prefix: { type: 'string' },
  },
});

const totalJobs = Number(values.jobs);
const concurrency = Number(values.concurrency);
const logger = pino({ level: 'silent' });
const queueName = 'bench';
const enqueueBatch = 1000;

/** The no-op job the driver runs; a realistic definition (attempts, backoff, schema). */
const noop = defineJob({
  name: 'bench.noop',
  queue: queueName,
  schema: z.object({ n: z.number().int() }),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 1000 },
});

type TVariant = 'bare' | 'driver';
type TWorkerResult = { handled: number; ms: number; firstJobMs: number; cpuMs: number };

const seconds = (ms: number) => (ms / 1000).toFixed(2);

function driverFor(prefix: string, handler: TJobHandler<{ n: number }>): JobQueue {
  return createBullmqQueue({
    redisUrl,
    prefix,
    registry: createJobRegistry([handle(noop, handler)]),
    logger,
    concurrency,
    onDeadLetter: async () => undefined,
    graceMs: 10_000,
  });
}

// ---------------------------------------------------------------------------------------------
// Worker process: drains `--jobs` jobs from `--prefix`, prints one JSON line, exits.

async function runWorker(variant: TVariant, prefix: string): Promise<void> {
  let handled = 0;
  let firstAt = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onJob = () => {
    if (handled === 0) firstAt = performance.now();
    if (++handled === totalJobs) finish();
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  let close: () => Promise<unknown>;
  if (variant === 'bare') {
    const worker = new Worker(queueName, async () => onJob(), {
      connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
      prefix,
      concurrency,
    });
    close = () => worker.close();
  } else {
    const driver = driverFor(prefix, async () => onJob());
    await driver.start();
    close = () => driver.stop();
  }
  await finished;
  const ended = performance.now();
  const used = process.cpuUsage(cpu);
  await close();
  const result: TWorkerResult = {
    handled,
    ms: ended - started,
    firstJobMs: firstAt - started,
    cpuMs: (used.user + used.system) / 1000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Part 1: jobs/s, bare BullMQ against the driver.

async function enqueue(variant: TVariant, prefix: string): Promise<number> {
  const started = performance.now();
  if (variant === 'bare') {
    const queue = new Queue(queueName, { connection: { url: redisUrl }, prefix });
    for (let from = 0; from < totalJobs; from += enqueueBatch) {
      const batch = [];
      for (let n = from; n < Math.min(totalJobs, from + enqueueBatch); n++) {
        batch.push({ name: noop.name, data: { n } });
      }
      await queue.addBulk(batch);
    }
    const ms = performance.now() - started;
    await queue.close();
    return ms;
  }
  const driver = driverFor(prefix, async () => undefined);
  for (let from = 0; from < totalJobs; from += enqueueBatch) {
    const batch = [];
    for (let n = from; n < Math.min(totalJobs, from + enqueueBatch); n++) {
      batch.push(driver.enqueue(noop, { n }));
    }
    await Promise.all(batch);
  }
  const ms = performance.now() - started;
  await driver.stop();
  return ms;
}

const script = fileURLToPath(import.meta.url);

function spawnWorker(
  variant: TVariant,
  prefix: string,
  profileDir: string | undefined,
): Promise<TWorkerResult> {
  // One folder per process: V8 writes a profile per thread (tsx's loader thread too).
  const profile = profileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${path.join(profileDir, `${variant}-${prefix.replace(/\W/g, '_')}`)}`,
      ]
    : [];
  // execArgv carries tsx's loader flags from this process.
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      ...profile,
      script,
      '--worker',
      variant,
      '--prefix',
      prefix,
      '--jobs',
      String(totalJobs),
      '--concurrency',
      String(concurrency),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${variant} worker exited with ${code}`));
      const line = out.trim().split('\n').at(-1) ?? '';
      resolve(JSON.parse(line) as TWorkerResult);
    });
  });
}

type TJobsRow = {
  run: number;
  variant: TVariant;
  'enqueue jobs/s': number;
  'drain jobs/s': number;
  'drain s': number;
  'first job ms': number;
  'worker CPU ms/1k jobs': number;
  'redis CPU ms/1k jobs': number;
};

async function benchJobs(): Promise<{ rows: TJobsRow[]; profileDir: string | undefined }> {
  const runs = Number(values.runs);
  const base = `cbbench:jobs:${randomBytes(4).toString('hex')}`;
  const redis = new Redis(redisUrl);
  const profileDir = values.profile
    ? mkdtempSync(path.join(tmpdir(), 'corebase-jobs-prof-'))
    : undefined;
  const rows: TJobsRow[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const order: TVariant[] = run % 2 === 1 ? ['bare', 'driver'] : ['driver', 'bare'];
      for (const variant of order) {
        const prefix = `${base}:${run}:${variant}`;
        try {
          const enqueueMs = await enqueue(variant, prefix);
          const redisBefore = await redisCpuMs(redis);
          const result = await spawnWorker(variant, prefix, profileDir);
          const redisMs = (await redisCpuMs(redis)) - redisBefore;
          const inspect = new Queue(queueName, { connection: redis, prefix });
          const counts = await inspect.getJobCounts(
            'wait',
            'prioritized',
            'active',
            'delayed',
            'failed',
          );
          await inspect.close();
          const left = Object.values(counts).reduce((sum, n) => sum + n, 0);
          if (result.handled !== totalJobs || left !== 0) {
            throw new Error(
              `${variant} run ${run}: handled ${result.handled}, left ${JSON.stringify(counts)}`,
            );
          }
          rows.push({
            run,
            variant,
            'enqueue jobs/s': round(totalJobs / (enqueueMs / 1000)),
            'drain jobs/s': round(totalJobs / (result.ms / 1000)),
            'drain s': Number(seconds(result.ms)),
            'first job ms': round(result.firstJobMs),
            'worker CPU ms/1k jobs': round((result.cpuMs / totalJobs) * 1000),
            'redis CPU ms/1k jobs': round((redisMs / totalJobs) * 1000),
          });
          console.error(JSON.stringify(rows.at(-1)));
        } finally {
          await deletePrefix(redis, prefix);
        }
      }
    }
  } finally {
    await deletePrefix(redis, base);
    redis.disconnect();
  }
  return { rows, profileDir };
}

/** Self time by frame and by package, from the .cpuprofile files V8 wrote. */
function summariseProfiles(dir: string): void {
  // The main thread's profile is the largest: the others are loader threads.
  const largest = (folder: string) =>
    readdirSync(folder)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(folder, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  const files = readdirSync(dir)
    .sort()
    .map((folder) => largest(path.join(dir, folder)))
    .filter((file): file is string => file !== undefined);
  for (const file of files) summariseProfile(file);
}

// ---------------------------------------------------------------------------------------------
// Part 2: events from commit to handler.

const pinged = defineJob({
  name: 'bench.on-pinged',
  queue: 'bench-events',
  schema: z.object({ eventId: z.string() }),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 1000 },
});
const eventName = 'bench.pinged';

/**
 * Part 2's modules, loaded only when it runs: teammates edit them while part 1 (which needs only
 * the BullMQ driver) is measured, and a half-saved file must not stop that.
 */
async function loadOutbox() {
  const [contracts, database, migrate, tenancy, inline, dispatcher, events] = await Promise.all([
    import('@corebase/contracts'),
    import('@corebase/server/src/platform/db/database.ts'),
    import('@corebase/server/src/platform/db/migrate.ts'),
    import('@corebase/server/src/platform/db/tenancy.ts'),
    import('@corebase/server/src/platform/jobs/inline-driver.ts'),
    import('@corebase/server/src/platform/outbox/dispatcher.ts'),
    import('@corebase/server/src/platform/outbox/events.ts'),
  ]);
  const benchPinged = contracts.defineEvent({
    name: eventName,
    version: 1,
    description: 'A benchmark event with nothing in it worth reading.',
    schema: z.object({ at: z.number() }),
  });
  const emitter = events.createEvents();
  return {
    ...database,
    ...migrate,
    ...tenancy,
    ...inline,
    ...dispatcher,
    // The one place that calls emit: adapt here if its signature changes.
    emitOne: (on: Tenancy) =>
      on.withMaintenance((tx) =>
        emitter.emit(tx, benchPinged, { at: Date.now() }, { orgId: null }),
      ),
  };
}

/** Emits `count` events, one per transaction, `parallel` transactions at a time. */
async function emitAll(
  emitOne: (on: Tenancy) => Promise<string>,
  tenancy: Tenancy,
  count: number,
  committedAt: Map<string, number>,
  parallel = 10,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < count) {
        const id = await emitOne(tenancy);
        committedAt.set(id, performance.now());
      }
    }),
  );
  return performance.now() - started;
}

type TEventsRow = {
  run: number;
  driver: 'inline' | 'bullmq';
  mode: 'backlog' | 'live';
  'emit events/s': number;
  'events/s': number;
  s: number;
  'p50 ms': number | string;
  'p99 ms': number | string;
  'max ms': number | string;
};

async function benchEvents(): Promise<TEventsRow[]> {
  const {
    createDatabase,
    queryRows,
    migrate,
    createTenancy,
    createInlineQueue,
    createOutboxDispatcher,
    acknowledgeDelivery,
    subscribe,
    emitOne,
  } = await loadOutbox();
  const count = Number(values.events);
  const runs = Number(values['event-runs']);
  const pollMs = Number(values['poll-ms']);
  const { url, drop } = await createScratchDatabase('cb_bench');
  const redis = new Redis(redisUrl);
  const base = `cbbench:events:${randomBytes(4).toString('hex')}`;
  const rows: TEventsRow[] = [];
  // Emitters stand for API processes: their own pool, apart from the worker's.
  const databases: Database[] = [];
  try {
    const workerDb = await createDatabase({ url, connectAttempts: 1 });
    databases.push(workerDb);
    await migrate(workerDb);
    const emitterDb = await createDatabase({ url, connectAttempts: 1 });
    databases.push(emitterDb);
    const workerTenancy = createTenancy(workerDb);
    const emitterTenancy = createTenancy(emitterDb);

    for (let run = 1; run <= runs; run++) {
      const drivers =
        run % 2 === 1 ? (['inline', 'bullmq'] as const) : (['bullmq', 'inline'] as const);
      for (const driver of drivers) {
        for (const mode of ['backlog', 'live'] as const) {
          await workerDb.db.execute(sql`truncate outbox, jobs`);
          const prefix = `${base}:${run}:${driver}:${mode}`;
          const committedAt = new Map<string, number>();
          const latencies: number[] = [];
          let seen = 0;
          let finish!: () => void;
          const finished = new Promise<void>((resolve) => (finish = resolve));
          const registry = createJobRegistry([
            handle(pinged, async ({ eventId }) => {
              const at = committedAt.get(eventId);
              if (at !== undefined) latencies.push(performance.now() - at);
              if (++seen === count) finish();
            }),
          ]);
          const queue =
            driver === 'inline'
              ? createInlineQueue({
                  tenancy: workerTenancy,
                  registry,
                  logger,
                  concurrency,
                  pollMs,
                  leaseMs: 300_000,
                  graceMs: 10_000,
                  // As production wires them (createServices): NOTIFY wake-ups, acknowledgements.
                  listen: workerDb.listen,
                  onSettled: (settled, tx) => acknowledgeDelivery(tx!, settled),
                })
              : createBullmqQueue({
                  redisUrl,
                  prefix,
                  registry,
                  logger,
                  concurrency,
                  onDeadLetter: async () => undefined,
                  graceMs: 10_000,
                  onSettled: (settled) =>
                    workerTenancy.withMaintenance((tx) => acknowledgeDelivery(tx, settled)),
                });
          const dispatcher = createOutboxDispatcher({
            tenancy: workerTenancy,
            jobs: queue,
            subscribers: [subscribe(eventName, pinged, (event) => ({ eventId: event.id }))],
            logger,
            pollMs,
            leaseMs: 300_000,
            reconcileAfterMs: 300_000,
            listen: workerDb.listen,
          });
          try {
            let emitMs: number;
            let started: number;
            if (mode === 'backlog') {
              // Latency from commit is meaningless here: the events wait on purpose.
              emitMs = await emitAll(emitOne, emitterTenancy, count, new Map());
              started = performance.now();
              await queue.start();
              await dispatcher.start();
            } else {
              await queue.start();
              await dispatcher.start();
              started = performance.now();
              emitMs = await emitAll(emitOne, emitterTenancy, count, committedAt);
            }
            await finished;
            const ms = performance.now() - started;
            // The handler can see the last jobs before the dispatcher marks their rows: let it.
            await dispatcher.stop();
            await queue.stop();
            const [pending] = await queryRows<{ n: number }>(
              workerDb.db,
              sql`select count(*)::int as n from outbox where status = 'pending'`,
            );
            const left = pending?.n ?? -1;
            if (left !== 0) throw new Error(`${driver} ${mode}: ${left} events still pending`);
            latencies.sort((a, b) => a - b);
            const live = mode === 'live';
            rows.push({
              run,
              driver,
              mode,
              'emit events/s': round(count / (emitMs / 1000)),
              'events/s': round(count / (ms / 1000)),
              s: Number(seconds(ms)),
              'p50 ms': live ? round(percentile(latencies, 50)) : '–',
              'p99 ms': live ? round(percentile(latencies, 99)) : '–',
              'max ms': live ? round(latencies.at(-1) ?? NaN) : '–',
            });
            console.error(JSON.stringify(rows.at(-1)));
          } finally {
            await dispatcher.stop();
            await queue.stop();
            await deletePrefix(redis, prefix);
          }
        }
      }
    }
  } finally {
    for (const database of databases) await database.close();
    await drop();
    await deletePrefix(redis, base);
    redis.disconnect();
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

if (values.worker) {
  await runWorker(values.worker as TVariant, values.prefix ?? '');
  process.exit(0);
}

const report: Record<string, unknown> = {
  ...describeSources([
    'platform/jobs/jobs.ts',
    'platform/jobs/bullmq-driver.ts',
    'platform/jobs/inline-driver.ts',
    'platform/outbox/dispatcher.ts',
    'platform/outbox/events.ts',
  ]),
  node: process.version,
  jobs: totalJobs,
  concurrency,
  events: Number(values.events),
};
if (values.only !== 'events') {
  const { rows, profileDir } = await benchJobs();
  console.table(rows);
  const mean = (variant: TVariant, key: 'drain jobs/s' | 'enqueue jobs/s') => {
    const of = rows.filter((r) => r.variant === variant).map((r) => r[key]);
    return of.reduce((sum, n) => sum + n, 0) / of.length;
  };
  const medianRatio = (key: 'drain jobs/s' | 'enqueue jobs/s') => {
    const ratios = [...new Set(rows.map((r) => r.run))]
      .map((run) => {
        const of = (variant: TVariant) => rows.find((r) => r.run === run && r.variant === variant);
        return (of('driver')?.[key] ?? NaN) / (of('bare')?.[key] ?? NaN);
      })
      .sort((a, b) => a - b);
    const mid = Math.floor(ratios.length / 2);
    return ratios.length % 2
      ? (ratios[mid] ?? NaN)
      : ((ratios[mid - 1] ?? NaN) + (ratios[mid] ?? NaN)) / 2;
  };
  const summary = {
    'bare drain jobs/s': round(mean('bare', 'drain jobs/s')),
    'driver drain jobs/s': round(mean('driver', 'drain jobs/s')),
    'drain ratio': Number(
      (mean('driver', 'drain jobs/s') / mean('bare', 'drain jobs/s')).toFixed(3),
    ),
    // Each run's driver/bare pair ran back to back, so its ratio shares that moment's machine.
    'drain ratio, median of runs': Number(medianRatio('drain jobs/s').toFixed(3)),
    'bare enqueue jobs/s': round(mean('bare', 'enqueue jobs/s')),
    'driver enqueue jobs/s': round(mean('driver', 'enqueue jobs/s')),
    'enqueue ratio': Number(
      (mean('driver', 'enqueue jobs/s') / mean('bare', 'enqueue jobs/s')).toFixed(3),
    ),
  };
  console.table([summary]);
  Object.assign(report, { jobRuns: rows, summary });
  if (profileDir) summariseProfiles(profileDir);
}
if (values.only !== 'jobs') {
  const rows = await benchEvents();
  console.table(rows);
  report.eventRuns = rows;
}
console.log(JSON.stringify(report));
process.exit(0);
