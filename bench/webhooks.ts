// Webhook delivery benchmark (issue 6), run from the repository root:
//
//   npx tsx bench/webhooks.ts [--events 2000] [--runs 1] [--drivers inline,bullmq]
//                             [--modes backlog,live] [--emitters 10] [--profile]
//
// Webhook deliveries per second to a local receiver, and latency from the event's commit to its
// receipt there. The worker side is the real composition: `createServices` over `loadConfig`, on
// a private PostgreSQL database (created, migrated, dropped), started as main.ts starts it
// (`jobs.start()`, then `dispatcher.start()`). Per driver and mode, one new organization with one
// endpoint (every event type) pointing at a node:http receiver in a child process, which answers
// 200 at once and records when each message arrived. Events are `organization.settings_updated`,
// emitted with `events.emit` inside `services.tenancy.withTenant`, `--emitters` transactions at a
// time; `auditRetentionDays` carries a sequence number, the key to the event's commit time (the
// delivered body holds the payload, not the outbox id). Each event is two jobs: the
// `webhooks.fan-out` job (one delivery row per endpoint), then one `webhooks.deliver` job per
// endpoint, which signs, POSTs and logs the attempt.
//
// "backlog" emits every event first and times the worker side from start to the last receipt;
// "live" starts the worker side first and emits at full speed while it runs (latency commit →
// receipt). `--profile` records a CPU profile of this process (worker side and emitters; not the
// receiver) over the measured window of each run and prints its top frames.
//
// Redis: REDIS_URL (default redis://127.0.0.1:6379), for the BullMQ driver. PostgreSQL:
// BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres, a role that may CREATE
// DATABASE).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { organizationSettingsUpdated } from '@corebase/contracts';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '@corebase/server/src/config.ts';
import { users } from '@corebase/server/src/modules/identity/identity.schema.ts';
import { newId } from '@corebase/server/src/platform/db/columns.ts';
import { queryRows } from '@corebase/server/src/platform/db/database.ts';
import { migrate } from '@corebase/server/src/platform/db/migrate.ts';
import { createEvents } from '@corebase/server/src/platform/outbox/events.ts';
import { createServices, openDatabase } from '@corebase/server/src/server.ts';
import { summariseProfile } from './profile.ts';
import { describeSources, percentile, round } from './report.ts';
import { createScratchDatabase, deletePrefix, redisCpuMs, redisUrl } from './servers.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '1' },
    drivers: { type: 'string', default: 'inline,bullmq' },
    modes: { type: 'string', default: 'backlog,live' },
    emitters: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '50' },
    'poll-ms': { type: 'string', default: '1000' },
    'timeout-s': { type: 'string', default: '300' },
    profile: { type: 'boolean', default: false },
    // Internal: this process is the receiver.
    receiver: { type: 'boolean', default: false },
  },
});

const count = Number(values.events);
const logger = pino({ level: 'silent' });

type TDriver = 'inline' | 'bullmq';
type TMode = 'backlog' | 'live';

/** Milliseconds since the epoch, sub-millisecond: comparable between this process and the receiver. */
const epochMs = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// Receiver process: answers every POST with 200 at once, records receipt per sequence number.

type TToReceiver = { type: 'expect'; path: string; count: number } | { type: 'collect' };
type TFromReceiver =
  | { type: 'listening'; port: number }
  | { type: 'done'; path: string }
  | {
      type: 'collected';
      path: string;
      received: [seq: number, at: number][];
      duplicates: number;
      foreign: number;
      cpuMs: number;
    };

function runReceiver(): void {
  const send = (message: TFromReceiver) => process.send?.(message);
  let expected = { path: '', count: 0 };
  let received = new Map<number, number>();
  let duplicates = 0;
  let foreign = 0;
  let cpu = process.cpuUsage();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = epochMs();
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        type?: string;
        data?: { auditRetentionDays?: number };
      };
      const seq = body.data?.auditRetentionDays;
      if (
        request.url !== expected.path ||
        body.type !== organizationSettingsUpdated.name ||
        seq === undefined
      ) {
        foreign++;
        return;
      }
      if (received.has(seq)) {
        duplicates++;
        return;
      }
      received.set(seq, at);
      if (received.size === expected.count) send({ type: 'done', path: expected.path });
    });
  });
  // Up to JOBS_CONCURRENCY keep-alive connections from the delivering agent.
  server.keepAliveTimeout = 60_000;
  process.on('message', (message: TToReceiver) => {
    if (message.type === 'expect') {
      expected = { path: message.path, count: message.count };
      received = new Map();
      duplicates = 0;
      foreign = 0;
      cpu = process.cpuUsage();
    } else {
      const used = process.cpuUsage(cpu);
      send({
        type: 'collected',
        path: expected.path,
        received: [...received.entries()],
        duplicates,
        foreign,
        cpuMs: (used.user + used.system) / 1000,
      });
    }
  });
  process.on('disconnect', () => server.close(() => process.exit(0)));
  server.listen(0, '127.0.0.1', () =>
    send({ type: 'listening', port: (server.address() as AddressInfo).port }),
  );
}

type TReceiver = {
  port: number;
  expect(path: string, count: number): Promise<void>;
  collect(): Promise<Extract<TFromReceiver, { type: 'collected' }>>;
  close(): void;
};

async function startReceiver(): Promise<TReceiver> {
  // execArgv carries tsx's loader flags from this process.
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--receiver'], {
    execArgv: process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof')),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends TFromReceiver['type']>(type: T) =>
    new Promise<Extract<TFromReceiver, { type: T }>>((resolve, reject) => {
      const onMessage = (message: TFromReceiver) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<TFromReceiver, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`receiver exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { port } = await next('listening');
  const tell = (message: TToReceiver) => child.send(message);
  return {
    port,
    expect: (path, n) => {
      const done = next('done').then(() => undefined);
      tell({ type: 'expect', path, count: n });
      return done;
    },
    collect: () => {
      const collected = next('collected');
      tell({ type: 'collect' });
      return collected;
    },
    close: () => child.disconnect(),
  };
}

// ---------------------------------------------------------------------------------------------
// CPU of the other processes on this machine that do the work: PostgreSQL and Redis.

/** User + system CPU of every `postgres` process (all backends, this benchmark's and others'). */
function postgresCpuMs(): number {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux.
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const fields = stat.slice(close + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // The process ended between readdir and read.
    }
  }
  return total;
}

/**
 * Counts statements sent to PostgreSQL by this process (pool queries go through `Client#query`
 * too; BEGIN and COMMIT are statements of their own). The server's `pg` is this same module.
 */
let statements = 0;
// Read through Reflect: the original is only ever called with its `this` (apply below).
const clientQuery = Reflect.get(pg.Client.prototype, 'query') as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return clientQuery.apply(this, args);
} as typeof pg.Client.prototype.query;

// ---------------------------------------------------------------------------------------------
// CPU profile of this process over a measured window.

async function startProfile(): Promise<() => Promise<string>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = path.join(
      mkdtempSync(path.join(tmpdir(), 'corebase-webhooks-prof-')),
      'run.cpuprofile',
    );
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}

// ---------------------------------------------------------------------------------------------
// One run: a fresh composition over the shared database, one organization, one endpoint.

type TRow = {
  run: number;
  driver: TDriver;
  mode: TMode;
  'emit events/s': number;
  'deliveries/s': number;
  s: number;
  'p50 ms': number | string;
  'p95 ms': number | string;
  'p99 ms': number | string;
  'max ms': number | string;
  'SQL statements/event': number;
  'node CPU ms/event': number;
  'receiver CPU ms/event': number;
  'postgres CPU ms/event': number;
  'redis CPU ms/event': number | string;
};

async function runOnce(input: {
  run: number;
  driver: TDriver;
  mode: TMode;
  databaseUrl: string;
  receiver: TReceiver;
  redis: Redis;
}): Promise<TRow> {
  const { run, driver, mode, databaseUrl, receiver, redis } = input;
  const tag = randomBytes(4).toString('hex');
  const prefix = `cbbenchwh-${tag}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'corebase-webhooks-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: 'webhook-benchmark-secret-0123456789abcdef',
    CB_DATA_DIR: dataDir,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'silent',
    JOBS_CONCURRENCY: values.concurrency,
    JOBS_POLL_MS: values['poll-ms'],
    ...(driver === 'bullmq' ? { REDIS_URL: redisUrl, JOBS_REDIS_PREFIX: prefix } : {}),
  });
  const opened = await openDatabase(config, logger, 'bench');
  const services = createServices(opened.database, config, logger);
  const events = createEvents();
  const { tenancy } = services;
  let started = false;
  try {
    // A user for `createdBy` and an organization they own, as the demo seed makes them.
    const userId = newId();
    await opened.database.db
      .insert(users)
      .values({ id: userId, name: 'Bench', email: `bench-${tag}@example.test` });
    const orgId = newId();
    await tenancy.withTenant(orgId, (tx) =>
      services.identity.createOrganization(tx, {
        id: orgId,
        name: `Bench ${tag}`,
        slug: `bench-${tag}`,
        ownerUserId: userId,
      }),
    );
    const hookPath = `/hooks/${tag}`;
    await services.webhooks.create(
      orgId,
      { userId },
      {
        url: `http://127.0.0.1:${receiver.port}${hookPath}`,
        description: '',
        eventTypes: [],
        enabled: true,
      },
    );
    // Set-up events (organization.created) and earlier runs' leftovers are not measured.
    await opened.database.db.execute(sql`truncate outbox, jobs`);
    const received = receiver.expect(hookPath, count);

    const committedAt = new Map<number, number>();
    let seq = 0;
    const emitAll = async () => {
      const from = performance.now();
      await Promise.all(
        Array.from({ length: Number(values.emitters) }, async () => {
          while (seq < count) {
            const mine = seq++;
            await tenancy.withTenant(orgId, (tx) =>
              events.emit(tx, organizationSettingsUpdated, {
                organizationId: orgId,
                auditRetentionDays: mine,
                requireTwoFactor: false,
              }),
            );
            committedAt.set(mine, epochMs());
          }
        }),
      );
      return performance.now() - from;
    };
    const startWorkers = async () => {
      started = true;
      // As main.ts does for the worker role.
      await services.jobs.start();
      await services.dispatcher.start();
    };
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${driver} ${mode}: not all ${count} received in time`)),
        Number(values['timeout-s']) * 1000,
      ).unref(),
    );

    let emitMs = NaN;
    let fromMs: number;
    if (mode === 'backlog') emitMs = await emitAll();
    const stopProfile = values.profile ? await startProfile() : undefined;
    const cpu = process.cpuUsage();
    const statementsBefore = statements;
    const postgresBefore = postgresCpuMs();
    const redisBefore = driver === 'bullmq' ? await redisCpuMs(redis) : 0;
    if (mode === 'backlog') {
      fromMs = epochMs();
      await startWorkers();
    } else {
      await startWorkers();
      fromMs = epochMs();
      emitMs = await emitAll();
    }
    await Promise.race([received, timeout]);
    const collected = await receiver.collect();
    const lastAt = Math.max(...collected.received.map(([, at]) => at));
    const used = process.cpuUsage(cpu);
    const statementsUsed = statements - statementsBefore;
    const postgresMs = postgresCpuMs() - postgresBefore;
    const redisMs = driver === 'bullmq' ? (await redisCpuMs(redis)) - redisBefore : NaN;
    const profileFile = await stopProfile?.();

    // The last deliveries log their attempt after the receiver answered: let them, then check.
    await services.dispatcher.stop();
    await services.jobs.stop();
    started = false;
    const [outbox] = await queryRows<{ left: number }>(
      opened.database.db,
      sql`select count(*)::int as left from outbox where status <> 'delivered'`,
    );
    const statuses = await tenancy.withTenant(orgId, (tx) =>
      queryRows<{ status: string; n: number }>(
        tx,
        sql`select status, count(*)::int as n from webhook_deliveries group by status`,
      ),
    );
    const succeeded = statuses.find((s) => s.status === 'succeeded')?.n ?? 0;
    if (succeeded !== count || collected.duplicates > 0 || collected.foreign > 0) {
      throw new Error(
        `${driver} ${mode}: deliveries ${JSON.stringify(statuses)}, duplicates ${collected.duplicates}, foreign ${collected.foreign}`,
      );
    }

    const live = mode === 'live';
    const latencies = collected.received
      .map(([n, at]) => at - (committedAt.get(n) ?? NaN))
      .sort((a, b) => a - b);
    const ms = lastAt - fromMs;
    const perEvent = (cpuMs: number) => Number((cpuMs / count).toFixed(2));
    const row: TRow = {
      run,
      driver,
      mode,
      'emit events/s': round(count / (emitMs / 1000)),
      'deliveries/s': round(count / (ms / 1000)),
      s: Number((ms / 1000).toFixed(2)),
      'p50 ms': live ? round(percentile(latencies, 50)) : '–',
      'p95 ms': live ? round(percentile(latencies, 95)) : '–',
      'p99 ms': live ? round(percentile(latencies, 99)) : '–',
      'max ms': live ? round(latencies.at(-1) ?? NaN) : '–',
      'SQL statements/event': Number((statementsUsed / count).toFixed(1)),
      'node CPU ms/event': perEvent((used.user + used.system) / 1000),
      'receiver CPU ms/event': perEvent(collected.cpuMs),
      'postgres CPU ms/event': perEvent(postgresMs),
      'redis CPU ms/event': driver === 'bullmq' ? perEvent(redisMs) : '–',
    };
    console.error(JSON.stringify({ ...row, 'outbox not delivered': outbox?.left }));
    if (profileFile) summariseProfile(profileFile, (line) => console.error(line));
    return row;
  } finally {
    if (started) {
      await services.dispatcher.stop();
      await services.jobs.stop();
    }
    await services.closeOutbound();
    services.mailer.close();
    await opened.close();
    if (driver === 'bullmq') await deletePrefix(redis, prefix);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

if (values.receiver) {
  runReceiver();
} else {
  const drivers = (values.drivers ?? '').split(',') as TDriver[];
  const modes = (values.modes ?? '').split(',') as TMode[];
  const { url, drop } = await createScratchDatabase('cb_bench_wh');
  const redis = new Redis(redisUrl, { lazyConnect: !drivers.includes('bullmq') });
  const receiver = await startReceiver();
  const rows: TRow[] = [];
  try {
    const migrating = await openDatabase(
      loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: url,
        AUTH_SECRET: 'webhook-benchmark-secret-0123456789abcdef',
        LOG_LEVEL: 'silent',
      }),
      logger,
      'bench',
    );
    await migrate(migrating.database);
    await migrating.close();
    for (let run = 1; run <= Number(values.runs); run++) {
      // Alternate which driver goes first: the shared machine drifts.
      const order = run % 2 === 1 ? drivers : [...drivers].reverse();
      for (const driver of order) {
        for (const mode of modes) {
          rows.push(await runOnce({ run, driver, mode, databaseUrl: url, receiver, redis }));
        }
      }
    }
  } finally {
    receiver.close();
    redis.disconnect();
    await drop();
  }
  console.table(rows);
  console.log(
    JSON.stringify({
      ...describeSources([
        'server.ts',
        'modules/webhooks/webhooks.service.ts',
        'modules/webhooks/webhooks.jobs.ts',
        'modules/webhooks/webhooks.repository.ts',
        'platform/http/safe-fetch.ts',
        'platform/jobs/bullmq-driver.ts',
        'platform/jobs/inline-driver.ts',
        'platform/outbox/dispatcher.ts',
        'platform/outbox/events.ts',
      ]),
      node: process.version,
      events: count,
      emitters: Number(values.emitters),
      concurrency: Number(values.concurrency),
      pollMs: Number(values['poll-ms']),
      rows,
    }),
  );
  process.exit(0);
}
