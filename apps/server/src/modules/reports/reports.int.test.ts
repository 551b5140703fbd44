import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { and, count, eq, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { memberships } from '#server/modules/identity/identity.schema';
import { reports } from '#server/modules/reports/reports.schema';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { createTestApp, runWork, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TPersonaName, type TWorld } from '#test/personas';
import { startSmtpSink, type TSmtpSink } from '#test/smtp';
import { comingMorning } from '#test/time-zones';

type TReport = {
  id: string;
  kind: string;
  format: string;
  status: string;
  progress: number;
  rowCount: number | null;
  sizeBytes: number | null;
  error: string | null;
  fileName: string;
  downloadUrl: string | null;
  downloadExpiresAt: string | null;
  from: string | null;
  to: string | null;
  expiresAt: string | null;
};

describe.each(testBackends())('reports on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let smtp: TSmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(backend, {
      env: { SMTP_URL: smtp.url, RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `reports-${backend}`);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const work = () => runWork(t);
  const call = (persona: TPersonaName, method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: world.personas[persona].headers,
      ...(payload ? { payload } : {}),
    });
  /** A signed link fetched as a mail client would: no cookie, no key. */
  const download = (url: string) => {
    const { pathname, search } = new URL(url);
    return t.app.inject({ method: 'GET', url: `${pathname}${search}` });
  };
  const reportCount = () =>
    t.services.tenancy.withMaintenance(async (tx) => {
      const [row] = await tx.select({ n: count() }).from(reports);
      return row?.n ?? 0;
    });
  const ask = async (persona: TPersonaName, body: object) => {
    const response = await call(persona, 'POST', '/v1/reports', body);
    expect(response.statusCode, response.body).toBe(202);
    return response.json<TReport>();
  };

  it('lists the kinds with the permission each needs', async () => {
    const kinds = (await call('viewer', 'GET', '/v1/reports/kinds')).json<{
      data: { kind: string; permission: string }[];
    }>();
    expect(kinds.data.map((k) => [k.kind, k.permission])).toEqual([
      ['members', 'members:read'],
      ['activity', 'audit:read'],
      ['audit_highlights', 'audit:read'],
    ]);
    expect((await t.app.inject({ url: '/v1/reports' })).statusCode).toBe(401);
  });

  it('a members CSV: queued, produced by the job, downloaded through its signed link, notified', async () => {
    const asked = await ask('owner', { kind: 'members', format: 'csv' });
    expect(asked).toMatchObject({ status: 'queued', progress: 0, downloadUrl: null, from: null });

    await work();
    const ready = (await call('owner', 'GET', `/v1/reports/${asked.id}`)).json<TReport>();
    expect(ready).toMatchObject({ status: 'ready', progress: 100, error: null });
    // Organization A's five members (viewer, member, admin, owner, custom).
    expect(ready.rowCount).toBe(5);
    expect(ready.fileName).toBe(
      `org-a-reports-${backend}-members-${new Date().toISOString().slice(0, 10)}.csv`,
    );
    expect(new Date(ready.downloadExpiresAt!).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);

    const file = await download(ready.downloadUrl!);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toContain(`filename="${ready.fileName}"`);
    expect(file.headers['cache-control']).toBe('private, no-store');
    expect(Number(file.headers['content-length'])).toBe(ready.sizeBytes);
    expect(file.body).toContain('Name,Email,Role,Joined,Two-factor');
    expect(file.body).toContain(`owner-reports-${backend}@example.com`);
    expect(file.body).toContain(`viewer-reports-${backend}@example.com`);

    // The requester learns of it in-app and by email (a link to the page, which signs anew).
    const inbox = (await call('owner', 'GET', '/v1/notifications')).json<{
      data: { type: string; link: string }[];
    }>();
    expect(inbox.data.find((n) => n.type === 'report.ready')).toMatchObject({
      link: '/organization/reports',
    });
    const [mail, ...more] = await smtp.settled(
      `owner-reports-${backend}@example.com`,
      /Members report \(CSV\) is ready/,
    );
    expect(more).toHaveLength(0);
    expect(mail?.text).toContain('/organization/reports');
  });

  it('downloads through the path the OpenAPI document names, its {path} sent as one encoded parameter', async () => {
    const document = t.app.swagger() as unknown as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/v1/files/{path}');
    const asked = await ask('owner', { kind: 'members', format: 'csv' });
    await work();
    const { downloadUrl } = (await call('owner', 'GET', `/v1/reports/${asked.id}`)).json<TReport>();
    const { pathname, search } = new URL(downloadUrl!);
    const key = pathname.replace(/^\/v1\/files\//, '');
    expect(key).toContain('/');
    // A client generated from the document fills in `/v1/files/{path}`, slashes encoded.
    const file = await t.app.inject({
      method: 'GET',
      url: `/v1/files/${encodeURIComponent(key)}${search}`,
    });
    expect(file.statusCode, file.body).toBe(200);
    expect(file.body).toContain('Name,Email,Role,Joined,Two-factor');
  });

  it('refuses a changed, cut or expired link, and a file that is gone', async () => {
    const asked = await ask('owner', { kind: 'members', format: 'csv' });
    await work();
    const { downloadUrl } = (await call('owner', 'GET', `/v1/reports/${asked.id}`)).json<TReport>();
    const url = new URL(downloadUrl!);
    const tampered = [
      url.href.replace(/signature=[^&]+/, 'signature=AAAA'),
      url.href.replace(/expires=(\d+)/, (_m, n: string) => `expires=${Number(n) + 3600}`),
      url.href.replace(/name=[^&]+/, 'name=other.csv'),
      url.href.replace(asked.id, world.orgB),
    ];
    for (const href of tampered) {
      const response = await download(href);
      expect(response.statusCode, href).toBe(403);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.json<{ detail: string }>().detail).toContain('not valid');
    }
    const cut = await download(url.href.replace(/&signature=[^&]+/, ''));
    expect(cut.statusCode).toBe(400);

    const key = `reports/${world.orgA}/${asked.id}.csv`;
    const past = new Date(Date.now() - 2 * 3_600_000);
    const expired = t.services.fileSigner.sign(key, {
      expiresInSeconds: 60,
      fileName: 'x.csv',
      now: past,
    });
    const old = await download(expired.url);
    expect(old.statusCode).toBe(403);
    expect(old.json<{ detail: string }>().detail).toContain('expired');

    // Past its retention the file is deleted; the report says so and its link finds nothing.
    await t.services.tenancy.withTenant(world.orgA, (tx) =>
      tx.update(reports).set({ expiresAt: past }).where(eq(reports.id, asked.id)),
    );
    expect(await t.services.reports.purgeExpired()).toBeGreaterThanOrEqual(1);
    const after = (await call('owner', 'GET', `/v1/reports/${asked.id}`)).json<TReport>();
    expect(after).toMatchObject({ status: 'expired', downloadUrl: null });
    const gone = await download(downloadUrl!);
    expect(gone.statusCode).toBe(404);
  });

  it('an activity PDF and an audit-highlights CSV of a period, by someone with audit:read', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const from = new Date(Date.now() - 3_600_000).toISOString();
    // A role change (security-relevant) in the period, made through the API.
    const [viewer] = await t.services.tenancy.withPlatform((tx) =>
      tx
        .select()
        .from(memberships)
        .where(
          and(
            eq(memberships.organizationId, world.orgA),
            eq(memberships.userId, world.personas.viewer.userId!),
          ),
        ),
    );
    for (const role of ['member', 'viewer']) {
      const changed = await call('owner', 'POST', '/v1/auth/organization/update-member-role', {
        memberId: viewer!.id,
        role,
      });
      expect(changed.statusCode, changed.body).toBe(200);
    }
    const pdf = await ask('custom', { kind: 'activity', format: 'pdf', from, to });
    expect(pdf).toMatchObject({ from, to });
    const csv = await ask('custom', { kind: 'audit_highlights', format: 'csv', from, to });
    await work();
    const page = (await call('custom', 'GET', '/v1/reports?limit=1')).json<{
      data: TReport[];
      nextCursor: string | null;
    }>();
    expect(page.data.map((r) => r.id)).toEqual([csv.id]);
    const next = (
      await call('custom', 'GET', `/v1/reports?limit=1&cursor=${page.nextCursor}`)
    ).json<{ data: TReport[] }>();
    expect(next.data.map((r) => r.id)).toEqual([pdf.id]);

    const pdfReady = next.data[0]!;
    expect(pdfReady.status).toBe('ready');
    const pdfFile = await download(pdfReady.downloadUrl!);
    expect(pdfFile.headers['content-type']).toBe('application/pdf');
    expect(pdfFile.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    const highlights = await download(page.data[0]!.downloadUrl!);
    // Role changes made while building the world are security-relevant; report requests are not.
    expect(highlights.body.match(/,member\.role_changed,/g)).toHaveLength(2);
    expect(highlights.body).toContain(`owner <owner-reports-${backend}@example.com>`);
    expect(highlights.body).not.toContain('report.requested');
    // Asking for a report is itself audited.
    const audit = await t.services.tenancy.withTenant(world.orgA, (tx) =>
      t.services.audit.list(tx, { action: 'report.requested', limit: 10 }),
    );
    expect(audit.map((entry) => entry.targetId)).toEqual(expect.arrayContaining([pdf.id, csv.id]));
  });

  it('refuses what the caller may not ask for, or a bad period, writing nothing', async () => {
    const before = await reportCount();
    const forbidden = await call('viewer', 'POST', '/v1/reports', {
      kind: 'activity',
      format: 'csv',
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(forbidden.json<{ detail: string }>().detail).toContain('audit:read');
    const now = Date.now();
    for (const body of [
      { kind: 'nope', format: 'csv' },
      { kind: 'members', format: 'xlsx' },
      { kind: 'members', format: 'csv', from: new Date(now - 86_400_000).toISOString() },
      {
        kind: 'activity',
        format: 'csv',
        from: new Date(now).toISOString(),
        to: new Date(now - 1).toISOString(),
      },
      {
        kind: 'activity',
        format: 'csv',
        from: new Date(now - 400 * 86_400_000).toISOString(),
        to: new Date(now).toISOString(),
      },
      { kind: 'activity', format: 'csv', from: 'yesterday' },
      // Only one bound, far away: the period is still capped, and year 1 is no date here.
      { kind: 'activity', format: 'csv', from: '2000-01-01T00:00:00Z' },
      { kind: 'activity', format: 'csv', to: '0001-01-05T00:00:00Z' },
      { kind: 'activity', format: 'csv', from: '0000-01-05T00:00:00Z' },
    ]) {
      const response = await call('owner', 'POST', '/v1/reports', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect(await reportCount()).toBe(before);
  });

  it('shows each person only their own reports; another organization cannot reach them, even in SQL', async () => {
    const mine = await ask('owner', { kind: 'members', format: 'pdf' });
    expect((await call('admin', 'GET', `/v1/reports/${mine.id}`)).statusCode).toBe(404);
    expect((await call('otherOrgOwner', 'GET', `/v1/reports/${mine.id}`)).statusCode).toBe(404);
    const theirs = (await call('otherOrgOwner', 'GET', '/v1/reports')).json<{ data: TReport[] }>();
    expect(theirs.data).toEqual([]);
    // Inside organization B's transaction, A's rows do not exist; writing one for A is refused.
    const seen = await t.services.tenancy.withTenant(world.orgB, (tx) =>
      tx.select().from(reports).where(eq(reports.id, mine.id)),
    );
    expect(seen).toEqual([]);
    await expect(
      t.services.tenancy.withTenant(world.orgB, (tx) =>
        tx.insert(reports).values({
          orgId: world.orgA,
          requestedBy: world.personas.otherOrgOwner.userId!,
          kind: 'members',
          format: 'csv',
        }),
      ),
    ).rejects.toThrow();
    await work();
  });

  it('a person may have five in progress at a time, however many ask at once; a failed one says so and notifies', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        call('member', 'POST', '/v1/reports', { kind: 'members', format: 'csv' }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([
      202, 202, 202, 202, 202, 409, 409, 409,
    ]);
    const refused = answers.find((a) => a.statusCode === 409)!;
    expect(refused.json<{ detail: string }>().detail).toContain('5 reports in progress');
    await work();
    expect(
      (await call('member', 'POST', '/v1/reports', { kind: 'members', format: 'csv' })).statusCode,
    ).toBe(202);

    // A report whose file cannot be written (a folder stands where it goes) fails on the last
    // attempt.
    const doomed = await ask('member', { kind: 'members', format: 'csv' });
    const blocker = path.join(
      t.config.CB_DATA_DIR,
      'files',
      'reports',
      world.orgA,
      `${doomed.id}.csv`,
    );
    await mkdir(path.join(blocker, 'in-the-way'), { recursive: true });
    await expect(
      t.services.reports.generate(
        { orgId: world.orgA, reportId: doomed.id },
        { lastAttempt: true },
      ),
    ).rejects.toThrow();
    await work();
    const failedResponse = await call('member', 'GET', `/v1/reports/${doomed.id}`);
    expect(failedResponse.statusCode, failedResponse.body).toBe(200);
    const failed = failedResponse.json<TReport>();
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('could not be produced');
    expect(failed.downloadUrl).toBeNull();
    const inbox = (await call('member', 'GET', '/v1/notifications')).json<{
      data: { type: string }[];
    }>();
    expect(inbox.data.some((n) => n.type === 'report.failed')).toBe(true);
  });

  it('hides a report from a reader without its kind’s permission: a narrower API key of its owner', async () => {
    const activity = await ask('owner', { kind: 'activity', format: 'csv' });
    await work();
    const { key } = await t.services.tenancy.withTenant(world.orgA, (tx) =>
      t.services.apiKeys.create(
        tx,
        world.orgA,
        { userId: world.personas.owner.userId!, permissions: world.personas.owner.permissions },
        { name: 'dashboard', permissions: ['organization:read'] },
      ),
    );
    const narrow = { 'x-api-key': key };
    const listed = await t.app.inject({ url: '/v1/reports?limit=100', headers: narrow });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ data: TReport[] }>().data.map((r) => r.kind)).not.toContain('activity');
    const one = await t.app.inject({ url: `/v1/reports/${activity.id}`, headers: narrow });
    expect(one.statusCode).toBe(404);
    // The owner, who holds audit:read, still sees it with its link.
    const own = (await call('owner', 'GET', `/v1/reports/${activity.id}`)).json<TReport>();
    expect(own.downloadUrl).not.toBeNull();
  });

  it('one run announces a report however many run at once; files no ready report points at are swept', async () => {
    const asked = await ask('owner', { kind: 'members', format: 'csv' });
    // A stalled job run again while the first still runs: both produce, one announces.
    await Promise.all([
      t.services.reports.generate(
        { orgId: world.orgA, reportId: asked.id },
        { lastAttempt: false },
      ),
      t.services.reports.generate(
        { orgId: world.orgA, reportId: asked.id },
        { lastAttempt: false },
      ),
    ]);
    await work();
    const announced = await t.services.tenancy.withMaintenance((tx) =>
      tx
        .select({ payload: outbox.payload })
        .from(outbox)
        .where(
          and(eq(outbox.name, 'report.ready'), sql`${outbox.payload}->>'reportId' = ${asked.id}`),
        ),
    );
    expect(announced).toHaveLength(1);

    // A file left by an organization purged or a run that stopped after writing: deleted once
    // it is some hours old; the ready report's file stays.
    const orphan = `reports/${world.orgA}/${randomUUID()}.csv`;
    await t.services.storage.put(orphan, Buffer.from('left over'), { contentType: 'text/csv' });
    const old = new Date(Date.now() - 7 * 3_600_000);
    const root = path.join(t.config.CB_DATA_DIR, 'files');
    await utimes(path.join(root, orphan), old, old);
    await utimes(path.join(root, 'reports', world.orgA, `${asked.id}.csv`), old, old);
    await t.services.reports.purgeExpired();
    expect(await t.services.storage.get(orphan)).toBeUndefined();
    const kept = await t.services.storage.get(`reports/${world.orgA}/${asked.id}.csv`);
    expect(kept).toBeDefined();
    kept!.body.destroy();
  });
});

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('reports and digests through the BullMQ driver', () => {
  const prefix = `cb-reports-${randomBytes(4).toString('hex')}`;
  let t: TTestApp;
  let world: TWorld;
  let smtp: TSmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(testBackends().includes('postgres') ? 'postgres' : 'pglite', {
      env: {
        REDIS_URL: redisUrl!,
        JOBS_REDIS_PREFIX: prefix,
        SMTP_URL: smtp.url,
        JOBS_POLL_MS: '20',
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
      },
    });
    world = await buildWorld(t, 'reports-bullmq');
    await t.services.jobs.start();
    await t.services.dispatcher.start();
  });
  afterAll(async () => {
    await t?.services.dispatcher.stop();
    await t?.close();
    await smtp?.close();
    const redis = new Redis(redisUrl!);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what} did not happen in 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('a members PDF is produced by a Redis worker, downloadable, and its requester mailed', async () => {
    const owner = world.personas.owner.headers;
    const asked = await t.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: owner,
      payload: { kind: 'members', format: 'pdf' },
    });
    expect(asked.statusCode, asked.body).toBe(202);
    const id = asked.json<TReport>().id;
    const ready = await until('the report', async () => {
      const report = (
        await t.app.inject({ url: `/v1/reports/${id}`, headers: owner })
      ).json<TReport>();
      return report.status === 'ready' ? report : undefined;
    });
    const { pathname, search } = new URL(ready.downloadUrl!);
    const file = await t.app.inject({ url: `${pathname}${search}` });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(
      await smtp.settled(
        'owner-reports-bullmq@example.com',
        /Members report \(PDF\) is ready/,
        20_000,
      ),
    ).toHaveLength(1);
  });

  it('a digest due in the person’s morning is sent by a Redis worker, once', async () => {
    const member = world.personas.member;
    const email = 'member-reports-bullmq@example.com';
    // Something unread: the admin makes them a viewer.
    const [membership] = await t.services.tenancy.withPlatform((tx) =>
      tx
        .select()
        .from(memberships)
        .where(
          and(eq(memberships.organizationId, world.orgA), eq(memberships.userId, member.userId!)),
        ),
    );
    const changed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/organization/update-member-role',
      headers: world.personas.admin.headers,
      payload: { memberId: membership!.id, role: 'viewer' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    await until('the role-change notice', async () => {
      const inbox = (
        await t.app.inject({ url: '/v1/notifications', headers: member.headers })
      ).json<{ data: { type: string }[] }>();
      return inbox.data.some((n) => n.type === 'member.role_changed') ? true : undefined;
    });
    const morning = comingMorning(6);
    await t.app.inject({
      method: 'PUT',
      url: '/v1/notifications/digest',
      headers: member.headers,
      payload: { timeZone: morning.timeZone, hour: 6 },
    });
    expect(await t.services.digests.sweep(morning.at(15))).toBe(1);
    // A second sweep of the same morning enqueues nothing new (the job key is per local date).
    expect(await t.services.digests.sweep(morning.at(15))).toBe(0);
    const [digest, ...more] = await smtp.settled(email, /unread notification/, 20_000);
    expect(more).toHaveLength(0);
    expect(digest?.text).toContain('from member to viewer');
  });
});
