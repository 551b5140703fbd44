import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditLog } from '#server/modules/audit/audit.schema';
import { recordDeadLetter } from '#server/platform/jobs/dead-letters';
import { defineJob, handle } from '#server/platform/jobs/jobs';
import { deadLetters } from '#server/platform/jobs/jobs.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';

const ZGreeting = z.object({ to: z.string().min(1) });
const greet = defineJob({
  name: 'test.greet',
  queue: 'greetings',
  schema: ZGreeting,
  attempts: 2,
  backoff: { type: 'fixed', delayMs: 1 },
});

describe.each(testBackends())('dead letters for superadmins on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  const greeted: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
      jobs: [handle(greet, async ({ to }) => void greeted.push(to))],
    });
    world = await buildWorld(t, `dead-${backend}`);
  });
  afterAll(() => t?.close());

  const letter = (name: string, payload: unknown) =>
    t.services.tenancy.withMaintenance((tx) =>
      recordDeadLetter(tx, {
        jobId: crypto.randomUUID(),
        name,
        queue: 'greetings',
        payload,
        dedupKey: null,
        error: 'Error: SMTP said 451',
        stack: 'Error: SMTP said 451\n    at send (mail.ts:1:1)',
        attempts: 2,
        history: [
          { attempt: 1, error: 'Error: SMTP said 451', at: new Date().toISOString() },
          { attempt: 2, error: 'Error: SMTP said 451', at: new Date().toISOString() },
        ],
      }),
    );
  const as = (
    persona: 'superadmin' | 'owner',
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ) =>
    t.app.inject({
      method,
      url,
      headers: world.personas[persona].headers,
      ...(payload ? { payload } : {}),
    });

  it('lists and shows dead letters, newest first, a page at a time; superadmins only', async () => {
    const ids = [];
    for (const to of ['a', 'b', 'c']) ids.push(await letter('test.greet', { to }));
    const first = await as('superadmin', 'GET', '/v1/admin/dead-letters?name=test.greet&limit=2');
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json<{ data: { id: string }[]; nextCursor: string | null }>();
    expect(page.data.map((l) => l.id)).toEqual([ids[2], ids[1]]);
    const second = await as(
      'superadmin',
      'GET',
      `/v1/admin/dead-letters?name=test.greet&limit=2&cursor=${page.nextCursor}`,
    );
    expect(second.json<{ data: { id: string }[] }>().data.map((l) => l.id)).toContain(ids[0]);
    const one = await as('superadmin', 'GET', `/v1/admin/dead-letters/${ids[0]}`);
    const shown = one.json<{ stack: string; history: { attempt: number }[] }>();
    expect(shown).toMatchObject({ name: 'test.greet', payload: { to: 'a' }, attempts: 2 });
    expect(shown.stack).toContain('SMTP said 451');
    expect(shown.history.map((h) => h.attempt)).toEqual([1, 2]);
    expect((await as('owner', 'GET', '/v1/admin/dead-letters')).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/v1/admin/dead-letters' })).statusCode).toBe(401);
    const missing = await as('superadmin', 'GET', `/v1/admin/dead-letters/${crypto.randomUUID()}`);
    expect(missing.statusCode).toBe(404);
    const badCursor = await as('superadmin', 'GET', '/v1/admin/dead-letters?cursor=nope');
    expect(badCursor.statusCode).toBe(400);
  });

  it('retries dead letters as new jobs that run, and discards others, in bulk and audited', async () => {
    const retryMe = await letter('test.greet', { to: `retried-${backend}` });
    const gone = await letter('test.vanished', { to: 'x' });
    const unknown = crypto.randomUUID();
    const retried = await as('superadmin', 'POST', '/v1/admin/dead-letters/retry', {
      ids: [retryMe, gone, unknown],
    });
    expect(retried.statusCode, retried.body).toBe(200);
    const outcome = retried.json<{
      retried: { id: string; jobId: string }[];
      skipped: { id: string; reason: string }[];
    }>();
    expect(outcome.retried.map((r) => r.id)).toEqual([retryMe]);
    expect(outcome.skipped).toEqual(
      expect.arrayContaining([
        { id: gone, reason: 'unknown_job' },
        { id: unknown, reason: 'not_found' },
      ]),
    );
    await (t.services.jobs as unknown as { drain(): Promise<number> }).drain();
    expect(greeted).toContain(`retried-${backend}`);

    const discarded = await as('superadmin', 'POST', '/v1/admin/dead-letters/discard', {
      ids: [gone],
    });
    expect(discarded.json()).toMatchObject({ discarded: [gone], skipped: [] });
    const left = await t.services.tenancy.withMaintenance((tx) =>
      tx.select().from(deadLetters).where(eq(deadLetters.id, gone)),
    );
    expect(left).toEqual([]);
    const audit = await t.services.tenancy.withMaintenance((tx) =>
      tx.select().from(auditLog).where(eq(auditLog.actorId, world.personas.superadmin.userId!)),
    );
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['job.dead_letters_retried', 'job.dead_letters_discarded']),
    );
  });

  it('answers bad input with 400 naming the field, and changes nothing', async () => {
    for (const body of [{}, { ids: [] }, { ids: ['not-a-uuid'] }]) {
      const response = await as('superadmin', 'POST', '/v1/admin/dead-letters/discard', body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toContain('ids');
    }
  });
});
