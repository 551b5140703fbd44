import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberships } from '#server/modules/identity/identity.schema';
import { notificationDigests } from '#server/modules/notifications/notifications.schema';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { createTestApp, runWork, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, signUpVerified, type TSignedIn, type TWorld } from '#test/personas';
import { comingMorning } from '#test/time-zones';
import { startSmtpSink, type TSmtpSink } from '#test/smtp';

type TPage = { data: { type: string; title: string; body: string; link: string | null }[] };

/**
 * Invitations and role changes notify the people they concern; unread notifications reach each
 * person once a day by email, in their morning.
 */
describe.each(testBackends())('people notices and digests on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let smtp: TSmtpSink;
  let invitee: TSignedIn;
  const inviteeEmail = `invitee-people-${backend}@example.com`;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(backend, {
      env: { SMTP_URL: smtp.url, RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `people-${backend}`);
    invitee = await signUpVerified(t, {
      name: 'Ina Invitee',
      email: inviteeEmail,
      password: 'invitee password 1234',
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const work = () => runWork(t);
  const api = (
    headers: Record<string, string>,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: object,
  ) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const inbox = async (headers: Record<string, string>) =>
    (await api(headers, 'GET', '/v1/notifications')).json<TPage>().data;
  const mailTo = (to: string, subject: RegExp) => smtp.sent(to, subject);
  const waitForMail = (to: string, subject: RegExp) => smtp.settled(to, subject);
  const outboxNames = async () =>
    (
      await t.services.tenancy.withMaintenance((tx) =>
        tx.select({ name: outbox.name }).from(outbox).where(eq(outbox.orgId, world.orgA)),
      )
    ).map((row) => row.name);

  it('an invitation notifies the invited person in-app, and its acceptance the inviter', async () => {
    const owner = world.personas.owner.headers;
    const invite = await api(owner, 'POST', '/v1/auth/organization/invite-member', {
      email: inviteeEmail,
      role: 'member',
    });
    expect(invite.statusCode, invite.body).toBe(200);
    const invitationId = invite.json<{ id: string }>().id;
    await work();
    expect(await outboxNames()).toContain('invitation.created');
    const [notice] = (await inbox(invitee.headers)).filter((n) => n.type === 'invitation.created');
    expect(notice).toMatchObject({ link: `/invitations/${invitationId}` });
    expect(notice?.title).toMatch(/^Invitation to /);
    expect(notice!.body).toContain('as member');

    const accept = await api(invitee.headers, 'POST', '/v1/auth/organization/accept-invitation', {
      invitationId,
    });
    expect(accept.statusCode, accept.body).toBe(200);
    await work();
    const [joined] = (await inbox(owner)).filter((n) => n.type === 'invitation.accepted');
    expect(joined?.body).toContain(inviteeEmail);
    // Email is off by default for this type.
    expect(mailTo(`owner-people-${backend}@example.com`, /joined/)).toHaveLength(0);
  });

  it('a role change notifies the member in-app and by email, not the admin who made it', async () => {
    const member = world.personas.member;
    const [membership] = await t.services.tenancy.withPlatform((tx) =>
      tx
        .select()
        .from(memberships)
        .where(
          and(eq(memberships.organizationId, world.orgA), eq(memberships.userId, member.userId!)),
        ),
    );
    const change = await api(
      world.personas.admin.headers,
      'POST',
      '/v1/auth/organization/update-member-role',
      {
        memberId: membership!.id,
        role: 'viewer',
      },
    );
    expect(change.statusCode, change.body).toBe(200);
    await work();
    const [notice] = (await inbox(member.headers)).filter((n) => n.type === 'member.role_changed');
    expect(notice?.body).toMatch(/from member to viewer/);
    expect(
      await waitForMail(`member-people-${backend}@example.com`, /Your role in .* changed/),
    ).toHaveLength(1);
    expect(
      (await inbox(world.personas.admin.headers)).some((n) => n.type === 'member.role_changed'),
    ).toBe(false);
    // Back as it was, for the other tests.
    await api(world.personas.admin.headers, 'POST', '/v1/auth/organization/update-member-role', {
      memberId: membership!.id,
      role: 'member',
    });
    await work();
  });

  it('digest settings: defaults, a chosen zone and hour kept, a bad zone refused changing nothing', async () => {
    const viewer = world.personas.viewer.headers;
    const defaults = (await api(viewer, 'GET', '/v1/notifications/digest')).json<{
      enabled: boolean;
      hour: number;
      timeZone: string;
      nextAt: string;
    }>();
    expect(defaults).toMatchObject({ enabled: true, hour: 8, timeZone: 'UTC', lastSentAt: null });
    expect(new Date(defaults.nextAt).getUTCHours()).toBe(8);

    const saved = await api(viewer, 'PUT', '/v1/notifications/digest', {
      timeZone: 'Asia/Tokyo',
      hour: 7,
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const next = DateTime.fromISO(saved.json<{ nextAt: string }>().nextAt, { zone: 'Asia/Tokyo' });
    expect([next.hour, next.minute]).toEqual([7, 0]);

    for (const body of [{ timeZone: 'Mars/Olympus' }, { hour: 24 }, {}]) {
      const refused = await api(viewer, 'PUT', '/v1/notifications/digest', body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await api(viewer, 'GET', '/v1/notifications/digest')).json()).toMatchObject({
      timeZone: 'Asia/Tokyo',
      hour: 7,
    });
    const off = await api(viewer, 'PUT', '/v1/notifications/digest', { enabled: false });
    expect(off.json()).toMatchObject({ enabled: false, nextAt: null, timeZone: 'Asia/Tokyo' });
  });

  it('the digest reaches the SMTP sink in the person’s morning, once that day, listing what is unread', async () => {
    const member = world.personas.member;
    const email = `member-people-${backend}@example.com`;
    // The member's role-change notice above is unread. They live where it is 07:xx now, and
    // want their digest at 08:00.
    const morning = comingMorning(8);
    const set = await api(member.headers, 'PUT', '/v1/notifications/digest', {
      timeZone: morning.timeZone,
      hour: 8,
      enabled: true,
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json<{ nextAt: string }>().nextAt).toBe(morning.at(0).toISOString());
    const digests = () => mailTo(email, /unread notification/);

    await t.services.digests.sweep(morning.at(-15));
    await work();
    expect(digests()).toHaveLength(0);

    await t.services.digests.sweep(morning.at(0));
    await work();
    const [mail] = await waitForMail(email, /unread notification/);
    expect(mail?.subject).toMatch(/You have \d+ unread notifications?/);
    expect(mail?.text).toContain('Your role in');
    expect(mail?.text).toContain('/notifications');

    // Later sweeps that morning send nothing more; the settings say when it went.
    await t.services.digests.sweep(morning.at(15));
    await t.services.digests.sweep(morning.at(30));
    await work();
    expect(digests()).toHaveLength(1);
    const [row] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(notificationDigests).where(eq(notificationDigests.userId, member.userId!)),
    );
    expect(row?.lastSentAt?.toISOString()).toBe(morning.at(0).toISOString());

    // Someone whose digest is off gets none at their hour, though their invitation is unread.
    expect((await inbox(invitee.headers)).length).toBeGreaterThan(0);
    const off = await api(invitee.headers, 'PUT', '/v1/notifications/digest', {
      timeZone: morning.timeZone,
      hour: 8,
      enabled: false,
    });
    expect(off.statusCode).toBe(200);
    await t.services.digests.sweep(morning.at(45));
    await work();
    expect(mailTo(inviteeEmail, /unread notification/)).toHaveLength(0);
  });
});
