import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog } from '#server/modules/audit/audit.schema';
import { defineJob, handle } from '#server/platform/jobs/jobs';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';

const ZTask = z.object({ ok: z.boolean() });
/** One queue of this file's own, so the counts are only what the tests put there. */
const task = defineJob({
  name: 'test.queue-stats',
  queue: 'queue-stats',
  schema: ZTask,
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 1 },
});
const runTask = handle(task, async ({ ok }) => {
  if (!ok) throw new Error('refused on purpose');
});

type TStats = {
  queue: string;
  counts: Record<'waiting' | 'delayed' | 'active' | 'completed' | 'failed', number>;
  windowMinutes: number;
  throughputPerMinute: number;
  failureRate: number;
  p95DurationMs: number | null;
};
type TAnswer = { driver: string; windowMinutes: number; queues: TStats[] };

describe.each(testBackends())('queue stats for superadmins on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
      jobs: [runTask],
    });
    world = await buildWorld(t, `queues-${backend}`);
  });
  afterAll(() => t?.close());

  const get = (url: string, persona?: 'superadmin' | 'owner') =>
    t.app.inject({ url, headers: persona ? world.personas[persona].headers : {} });

  it('answers only signed-in superadmins', async () => {
    const anonymous = await get('/v1/admin/queues');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);
    const owner = await get('/v1/admin/queues', 'owner');
    expect(owner.statusCode).toBe(403);
    expect(owner.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('refuses a window outside 1..1440 minutes with 400 naming windowMinutes', async () => {
    for (const value of ['0', '1441', '-5', '1.5', 'soon']) {
      const response = await get(`/v1/admin/queues?windowMinutes=${value}`, 'superadmin');
      expect(response.statusCode, value).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toContain('windowMinutes');
    }
  });

  it('counts jobs per state and measures what finished in the window', async () => {
    await t.services.jobs.enqueue(task, { ok: true });
    await t.services.jobs.enqueue(task, { ok: false });
    await (t.services.jobs as unknown as { drain(): Promise<number> }).drain();
    await t.services.jobs.enqueue(task, { ok: true });
    await t.services.jobs.enqueue(task, { ok: true }, { delayMs: 3_600_000 });

    const response = await get('/v1/admin/queues', 'superadmin');
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json<TAnswer>();
    expect(answer).toMatchObject({ driver: 'inline', windowMinutes: 15 });
    const stats = answer.queues.find((q) => q.queue === 'queue-stats');
    expect(stats).toMatchObject({
      counts: { waiting: 1, delayed: 1, active: 0, completed: 1, failed: 1 },
      windowMinutes: 15,
      failureRate: 0.5,
    });
    expect(stats!.throughputPerMinute).toBeCloseTo(2 / 15);
    expect(stats!.p95DurationMs).toEqual(expect.any(Number));
    expect(stats!.p95DurationMs).toBeGreaterThanOrEqual(0);

    const day = await get('/v1/admin/queues?windowMinutes=1440', 'superadmin');
    const daily = day.json<TAnswer>();
    expect(daily.windowMinutes).toBe(1440);
    const dailyStats = daily.queues.find((q) => q.queue === 'queue-stats');
    expect(dailyStats?.windowMinutes).toBe(1440);
    expect(dailyStats?.throughputPerMinute).toBeCloseTo(2 / 1440);
  });

  it('publishes queue depths, job durations, failures, dead letters and outbox lag on /metrics', async () => {
    const text = (await t.app.inject({ url: '/metrics' })).body;
    // The jobs of the test above: one waiting, one delayed, one completed, one dead.
    expect(text).toMatch(/^queue_jobs\{queue="queue-stats",state="waiting"\} 1$/m);
    expect(text).toMatch(/^queue_jobs\{queue="queue-stats",state="delayed"\} 1$/m);
    expect(text).toMatch(/^queue_jobs\{queue="queue-stats",state="failed"\} 1$/m);
    expect(text).toMatch(
      /^job_duration_seconds_count\{queue="queue-stats",name="test\.queue-stats",outcome="completed"\} 1$/m,
    );
    expect(text).toMatch(
      /^job_failures_total\{queue="queue-stats",name="test\.queue-stats",final="true"\} 1$/m,
    );
    expect(text).toMatch(/^dead_letters 1$/m);
    expect(text).toMatch(/^outbox_lag_seconds \d+(\.\d+)?$/m);
  });
});

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('the queue board at /ops/queues (Redis)', () => {
  let t: TTestApp;
  let world: TWorld;
  // The board reads the driver's real prefix (`corebase`): a queue name of this run's own keeps
  // other files' jobs out of it, and afterAll removes its keys.
  const queueName = `board-${randomBytes(4).toString('hex')}`;
  const boardTask = defineJob({
    name: 'test.board-task',
    queue: queueName,
    schema: ZTask,
    attempts: 1,
    backoff: { type: 'fixed', delayMs: 1 },
  });

  beforeAll(async () => {
    t = await createTestApp('pglite', {
      env: { REDIS_URL: redisUrl!, RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
      jobs: [handle(boardTask, async () => undefined)],
    });
    world = await buildWorld(t, 'queue-board');
  });
  afterAll(async () => {
    await t?.services.jobs.stop();
    const queue = new Queue(queueName, { connection: { url: redisUrl! }, prefix: 'corebase' });
    await queue.obliterate({ force: true });
    await queue.close();
    await t?.close();
  });

  const get = (url: string, persona?: 'superadmin' | 'owner', accept = 'application/json') =>
    t.app.inject({
      url,
      headers: { accept, ...(persona ? world.personas[persona].headers : {}) },
    });

  it('shows superadmins the board and the registered queues with their jobs', async () => {
    await t.services.jobs.enqueue(boardTask, { ok: true }, { delayMs: 3_600_000 });

    const page = await get('/ops/queues', 'superadmin', 'text/html');
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<base href="/ops/queues/"');
    expect(page.headers['content-security-policy']).toBeDefined();

    const api = await get('/ops/queues/api/queues', 'superadmin');
    expect(api.statusCode, api.body).toBe(200);
    const listed = api.json<{ queues: { name: string; counts: Record<string, number> }[] }>();
    const ours = listed.queues.find((q) => q.name === queueName);
    expect(ours?.counts).toMatchObject({ delayed: 1 });
    expect(listed.queues.map((q) => q.name)).toEqual(
      expect.arrayContaining([...t.services.jobRegistry.queues()]),
    );

    // The page's own script and stylesheet come from the board, for the same people.
    const script = /src="(static\/js\/main[^"]+)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await get(`/ops/queues/${script}`, 'superadmin', '*/*');
    expect(asset.statusCode).toBe(200);
    expect((await get(`/ops/queues/${script}`, undefined, '*/*')).statusCode).toBe(401);

    const stats = await get('/v1/admin/queues', 'superadmin');
    expect(stats.json<TAnswer>().driver).toBe('bullmq');
  });

  it('sends anonymous browsers to sign in, and refuses other callers with problem+json', async () => {
    const browser = await get('/ops/queues/queue/x', undefined, 'text/html,application/xhtml+xml');
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe(
      `/sign-in?next=${encodeURIComponent('/ops/queues/queue/x')}`,
    );

    const anonymous = await get('/ops/queues/api/queues');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);

    for (const url of ['/ops/queues', '/ops/queues/api/queues']) {
      const owner = await get(url, 'owner', 'text/html');
      expect(owner.statusCode, url).toBe(403);
      expect(owner.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    const retry = await t.app.inject({
      method: 'PUT',
      url: `/ops/queues/api/queues/${queueName}/retry/failed`,
      headers: { ...world.personas.owner.headers, origin: t.config.PUBLIC_URL },
    });
    expect(retry.statusCode).toBe(403);
  });

  it('records a superadmin’s board action in the platform audit log', async () => {
    const action = await t.app.inject({
      method: 'PUT',
      url: `/ops/queues/api/queues/${queueName}/retry/failed`,
      headers: { ...world.personas.superadmin.headers, origin: t.config.PUBLIC_URL },
    });
    expect(action.statusCode, action.body).toBeLessThan(400);
    const entries = await t.services.tenancy.withMaintenance((tx) =>
      tx.select().from(auditLog).where(eq(auditLog.action, 'job.board_action')),
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      orgId: null,
      actorId: world.personas.superadmin.userId,
      targetType: 'queue_board',
    });
  });
});
