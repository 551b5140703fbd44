import { and, eq, inArray, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import {
  invitations,
  memberships,
  organizations,
  sessions,
  verifications,
} from '#server/modules/identity/identity.schema';
import { organizationSettings } from '#server/modules/settings/settings.schema';
import { newId } from '#server/platform/db/columns';
import type { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { jobEffects, jobSchedules, jobs } from '#server/platform/jobs/jobs.schema';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

describe.each(testBackends())('scheduled clean-ups on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let queue: ReturnType<typeof createInlineQueue>;

  beforeAll(async () => {
    t = await createTestApp(backend);
    world = await buildWorld(t, `cleanup-${backend}`);
    queue = t.services.jobs as ReturnType<typeof createInlineQueue>;
  });
  afterAll(async () => {
    await t?.services.jobs.stop();
    await t?.close();
  });

  const maintenance = <T>(fn: Parameters<TTestApp['services']['tenancy']['withMaintenance']>[0]) =>
    t.services.tenancy.withMaintenance(fn) as Promise<T>;

  /** What the scheduler role does at each schedule's next tick, brought forward to now. */
  const runScheduledCleanUps = async () => {
    await t.services.jobs.schedule(t.services.schedules);
    await maintenance((tx) => tx.update(jobSchedules).set({ nextRunAt: daysAgo(0.001) }));
    await queue.tickSchedules();
    await queue.drain();
  };

  it('every clean-up is scheduled, each with a handler', async () => {
    expect(t.services.schedules.map((s) => s.name).sort()).toEqual([
      'audit.apply-retention',
      'identity.purge-expired',
      'identity.purge-organizations',
      'jobs.purge-finished',
      'notifications.sweep-digests',
      'reports.purge-expired',
      'webhooks.purge-deliveries',
    ]);
    for (const schedule of t.services.schedules) {
      expect(t.services.jobRegistry.get(schedule.job.name)).toBeDefined();
    }
  });

  it('removes what expired or passed retention, and keeps the rest', async () => {
    const { orgA, orgB, personas } = world;
    const viewer = personas.viewer.userId!;
    const owner = personas.owner.userId!;
    // Organization B was deleted past its grace period (7 days); A only yesterday.
    await maintenance(async (tx) => {
      await tx
        .update(organizations)
        .set({ deletedAt: daysAgo(8) })
        .where(eq(organizations.id, orgB));
      await tx
        .update(organizations)
        .set({ deletedAt: daysAgo(1) })
        .where(eq(organizations.id, orgA));
      await tx
        .update(sessions)
        .set({ expiresAt: daysAgo(1) })
        .where(eq(sessions.userId, viewer));
      await tx.insert(verifications).values([
        { id: newId(), identifier: 'old', value: 'x', expiresAt: daysAgo(1) },
        { id: newId(), identifier: 'live', value: 'y', expiresAt: daysAgo(-1) },
      ]);
      await tx.insert(invitations).values([
        {
          id: newId(),
          organizationId: orgA,
          email: 'late@example.com',
          expiresAt: daysAgo(1),
          inviterId: owner,
        },
        {
          id: newId(),
          organizationId: orgA,
          email: 'accepted@example.com',
          status: 'accepted',
          expiresAt: daysAgo(1),
          inviterId: owner,
        },
        {
          id: newId(),
          organizationId: orgA,
          email: 'soon@example.com',
          expiresAt: daysAgo(-2),
          inviterId: owner,
        },
      ]);
      // Organization A keeps its audit 30 days; platform entries are kept 365.
      await tx
        .update(organizationSettings)
        .set({ auditRetentionDays: 30 })
        .where(eq(organizationSettings.orgId, orgA));
      await tx.insert(auditLog).values([
        {
          id: newId(),
          orgId: orgA,
          actorType: 'system',
          action: 'test.old',
          createdAt: daysAgo(31),
        },
        {
          id: newId(),
          orgId: orgA,
          actorType: 'system',
          action: 'test.recent',
          createdAt: daysAgo(29),
        },
        {
          id: newId(),
          orgId: null,
          actorType: 'system',
          action: 'test.old',
          createdAt: daysAgo(366),
        },
        {
          id: newId(),
          orgId: null,
          actorType: 'system',
          action: 'test.recent',
          createdAt: daysAgo(300),
        },
      ]);
      // Job records: JOBS_RETENTION_DAYS is 7 by default.
      await tx.insert(jobs).values([
        {
          id: newId(),
          name: 'test.old',
          queue: 'q',
          payload: {},
          status: 'completed',
          maxAttempts: 1,
          finishedAt: daysAgo(8),
        },
        {
          id: newId(),
          name: 'test.recent',
          queue: 'q',
          payload: {},
          status: 'failed',
          maxAttempts: 1,
          finishedAt: daysAgo(6),
        },
        {
          id: newId(),
          name: 'test.waiting',
          queue: 'q',
          payload: {},
          maxAttempts: 1,
          runAt: daysAgo(9),
        },
      ]);
      await tx.insert(outbox).values([
        {
          id: newId(),
          name: 'test.old',
          payload: {},
          status: 'delivered',
          deliveredAt: daysAgo(8),
        },
        {
          id: newId(),
          name: 'test.recent',
          payload: {},
          status: 'delivered',
          deliveredAt: daysAgo(1),
        },
      ]);
      await tx.insert(jobEffects).values([
        { key: 'old-effect', createdAt: daysAgo(8) },
        { key: 'recent-effect', createdAt: daysAgo(1) },
      ]);
    });

    await runScheduledCleanUps();

    await maintenance(async (tx) => {
      // B is gone with everything it owned; A waits out its grace period.
      const orgs = await tx
        .select({ id: organizations.id })
        .from(organizations)
        .where(inArray(organizations.id, [orgA, orgB]));
      expect(orgs.map((o) => o.id)).toEqual([orgA]);
      expect(await tx.$count(memberships, eq(memberships.organizationId, orgB))).toBe(0);
      expect(await tx.$count(organizationSettings, eq(organizationSettings.orgId, orgB))).toBe(0);
      expect(await tx.$count(auditLog, eq(auditLog.orgId, orgB))).toBe(0);
      const [purged] = await tx
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'organization.purged'), isNull(auditLog.orgId)));
      expect(purged).toMatchObject({ actorType: 'system', targetId: orgB });
      const [event] = await tx.select().from(outbox).where(eq(outbox.name, 'organization.purged'));
      expect(event?.payload).toMatchObject({ organizationId: orgB });

      expect(await tx.$count(sessions, eq(sessions.userId, viewer))).toBe(0);
      expect(await tx.$count(sessions, eq(sessions.userId, owner))).toBeGreaterThan(0);
      const left = await tx.select({ identifier: verifications.identifier }).from(verifications);
      expect(left.map((v) => v.identifier)).toContain('live');
      expect(left.map((v) => v.identifier)).not.toContain('old');
      const invites = await tx
        .select({ email: invitations.email })
        .from(invitations)
        .where(eq(invitations.organizationId, orgA));
      expect(invites.map((i) => i.email).sort()).toEqual([
        'accepted@example.com',
        'soon@example.com',
      ]);

      const actions = await tx
        .select({ orgId: auditLog.orgId, action: auditLog.action })
        .from(auditLog)
        .where(inArray(auditLog.action, ['test.old', 'test.recent']));
      expect(actions).toHaveLength(2);
      expect(actions.every((a) => a.action === 'test.recent')).toBe(true);

      const jobNames = await tx
        .select({ name: jobs.name })
        .from(jobs)
        .where(inArray(jobs.name, ['test.old', 'test.recent', 'test.waiting']));
      expect(jobNames.map((j) => j.name).sort()).toEqual(['test.recent', 'test.waiting']);
      const events = await tx
        .select({ name: outbox.name })
        .from(outbox)
        .where(inArray(outbox.name, ['test.old', 'test.recent']));
      expect(events.map((e) => e.name)).toEqual(['test.recent']);
      const effects = await tx.select().from(jobEffects);
      expect(effects.map((e) => e.key)).toEqual(['recent-effect']);
    });

    // The expired session is refused, the owner's still works.
    const session = async (headers: Record<string, string>) => {
      const reply = await t.app.inject({ method: 'GET', url: '/v1/auth/get-session', headers });
      return reply.json<{ user?: { id: string } } | null>()?.user?.id ?? null;
    };
    expect(await session(personas.owner.headers)).toBe(owner);
    expect(await session(personas.viewer.headers)).toBeNull();
  });
});
