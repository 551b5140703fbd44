import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import { invitations, memberships } from '#server/modules/identity/identity.schema';
import { organizationSettings } from '#server/modules/settings/settings.schema';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';
import { linkIn, startSmtpSink, type TSmtpSink } from '#test/smtp';

const origin = 'http://localhost:3000';

describe.each(testBackends())('organizations through better-auth on %s', (backend) => {
  let t: TTestApp;
  let smtp: TSmtpSink;
  let world: TWorld;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(backend, {
      env: { SMTP_URL: smtp.url, RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `orgs-${backend}`);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  /** Signs up at `email` and opens the mailed verification link, which signs the user in. */
  const signUpFromMailbox = async (name: string, email: string) => {
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up/email',
      headers: { origin },
      payload: { name, email, password: `${name} password 1234` },
    });
    const verify = linkIn(await smtp.waitFor(email), '/v1/auth/verify-email');
    const verified = await t.app.inject({ url: `${verify.pathname}${verify.search}` });
    const cookie = verified.cookies.find((c) => c.name.endsWith('session_token'))!;
    return { origin, cookie: `${cookie.name}=${cookie.value}` };
  };

  const call = (persona: keyof TWorld['personas'], url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, headers: world.personas[persona].headers, payload });

  it('creating an organization sets up its settings, audit entry and event', async () => {
    const response = await call('member', '/v1/auth/organization/create', {
      name: 'Member Co',
      slug: `member-co-${backend}`,
    });
    expect(response.statusCode).toBe(200);
    const orgId = response.json<{ id: string }>().id;
    const { tenancy } = t.services;
    const settings = await tenancy.withTenant(orgId, (tx) =>
      tx.select().from(organizationSettings),
    );
    expect(settings).toHaveLength(1);
    const audit = await tenancy.withTenant(orgId, (tx) =>
      tx.select().from(auditLog).where(eq(auditLog.action, 'organization.created')),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actorId).toBe(world.personas.member.userId);
    const events = await tenancy.withMaintenance((tx) =>
      tx.select().from(outbox).where(eq(outbox.orgId, orgId)),
    );
    expect(events.map((e) => e.name)).toEqual(['organization.created']);

    const duplicate = await call('viewer', '/v1/auth/organization/create', {
      name: 'Copycat',
      slug: `member-co-${backend}`,
    });
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json()).toMatchObject({ reason: 'organization_already_exists' });
  });

  it('invites by email; the invitee accepts and becomes a member with the offered role', async () => {
    const email = `invitee-${backend}@example.com`;
    const invite = await call('admin', '/v1/auth/organization/invite-member', {
      email,
      role: 'viewer',
      organizationId: world.orgA,
    });
    expect(invite.statusCode, invite.body).toBe(200);
    const mail = await smtp.waitFor(email);
    expect(mail.subject).toBe(`admin invited you to Org A on Corebase`);
    const invitationId = invite.json<{ id: string }>().id;
    expect(mail.text).toContain(invitationId);

    // Verifying the address (the link signs the invitee in) proves the invitation reached them.
    const headers = await signUpFromMailbox('Invitee', email);
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/organization/accept-invitation',
      headers,
      payload: { invitationId },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const session = await t.app.inject({ url: '/v1/auth/get-session', headers });
    const userId = session.json<{ user: { id: string } }>().user.id;
    const [membership] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(memberships).where(eq(memberships.userId, userId)),
    );
    expect(membership).toMatchObject({ organizationId: world.orgA, role: 'viewer' });
  });

  it('resends, and the invitee can decline; declining adds no member', async () => {
    const email = `decliner-${backend}@example.com`;
    const first = await call('admin', '/v1/auth/organization/invite-member', {
      email,
      role: 'member',
      organizationId: world.orgA,
    });
    expect(first.statusCode).toBe(200);
    await smtp.waitFor(email);
    const resent = await call('admin', '/v1/auth/organization/invite-member', {
      email,
      role: 'member',
      organizationId: world.orgA,
      resend: true,
    });
    expect(resent.statusCode).toBe(200);
    expect((await smtp.waitFor(email)).subject).toBe('admin invited you to Org A on Corebase');

    const headers = await signUpFromMailbox('Decliner', email);
    const invitationId = resent.json<{ id: string }>().id;
    const declined = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/organization/reject-invitation',
      headers,
      payload: { invitationId },
    });
    expect(declined.statusCode, declined.body).toBe(200);
    const session = await t.app.inject({ url: '/v1/auth/get-session', headers });
    const userId = session.json<{ user: { id: string } }>().user.id;
    const rows = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(memberships).where(eq(memberships.userId, userId)),
    );
    expect(rows).toEqual([]);
  });

  it('a revoked or expired invitation cannot be accepted, nor someone else’s', async () => {
    const invite = async (email: string) => {
      const response = await call('admin', '/v1/auth/organization/invite-member', {
        email,
        role: 'member',
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ id: string }>().id;
    };
    const accept = (headers: Record<string, string>, invitationId: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/organization/accept-invitation',
        headers,
        payload: { invitationId },
      });

    const revokedEmail = `revoked-${backend}@example.com`;
    const revokedId = await invite(revokedEmail);
    await smtp.waitFor(revokedEmail);
    const revoke = await call('admin', '/v1/auth/organization/cancel-invitation', {
      invitationId: revokedId,
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    const pending = await t.app.inject({
      url: '/v1/auth/organization/list-invitations',
      headers: world.personas.viewer.headers,
    });
    expect(
      pending.json<{ id: string; status: string }[]>().find((i) => i.id === revokedId)?.status,
    ).toBe('canceled');
    const revokedInvitee = await signUpFromMailbox('Revoked', revokedEmail);
    const late = await accept(revokedInvitee, revokedId);
    expect(late.statusCode).toBe(404);
    expect(late.json()).toMatchObject({ code: 'not_found', reason: 'invitation_not_found' });

    const expiredEmail = `expired-${backend}@example.com`;
    const expiredId = await invite(expiredEmail);
    await smtp.waitFor(expiredEmail);
    await t.services.tenancy.withPlatform((tx) =>
      tx
        .update(invitations)
        .set({ expiresAt: new Date(Date.now() - 1_000) })
        .where(eq(invitations.id, expiredId)),
    );
    const expiredInvitee = await signUpFromMailbox('Expired', expiredEmail);
    expect((await accept(expiredInvitee, expiredId)).statusCode).toBe(404);

    // An invitation for another address: refused to whoever holds the link.
    const otherId = await invite(`someone-else-${backend}@example.com`);
    const stolen = await accept(expiredInvitee, otherId);
    expect(stolen.statusCode).toBe(403);
    expect(stolen.json()).toMatchObject({ reason: 'you_are_not_the_recipient_of_the_invitation' });

    for (const headers of [revokedInvitee, expiredInvitee]) {
      const session = await t.app.inject({ url: '/v1/auth/get-session', headers });
      const userId = session.json<{ user: { id: string } }>().user.id;
      const rows = await t.services.tenancy.withPlatform((tx) =>
        tx.select().from(memberships).where(eq(memberships.userId, userId)),
      );
      expect(rows).toEqual([]);
    }
  });

  it('renames the organization (admin), refused to a member', async () => {
    // Creating "Member Co" above made it the member's active organization, where they are owner:
    // an endpoint of the active organization will not act on another one.
    const elsewhere = await call('member', '/v1/auth/organization/update', {
      organizationId: world.orgA,
      data: { name: 'Hijacked' },
    });
    expect(elsewhere.statusCode, elsewhere.body).toBe(404);
    await call('member', '/v1/auth/organization/set-active', { organizationId: world.orgA });
    const byMember = await call('member', '/v1/auth/organization/update', {
      organizationId: world.orgA,
      data: { name: 'Hijacked' },
    });
    expect(byMember.statusCode, byMember.body).toBe(403);
    const byAdmin = await call('admin', '/v1/auth/organization/update', {
      organizationId: world.orgA,
      data: { name: 'Org A Renamed' },
    });
    expect(byAdmin.statusCode, byAdmin.body).toBe(200);
    const org = await t.app.inject({
      url: '/v1/organization',
      headers: world.personas.viewer.headers,
    });
    expect(org.json()).toMatchObject({ name: 'Org A Renamed' });
  });

  it('a viewer cannot invite, and the last owner cannot be demoted or leave', async () => {
    const byViewer = await call('viewer', '/v1/auth/organization/invite-member', {
      email: `nope-${backend}@example.com`,
      role: 'member',
      organizationId: world.orgA,
    });
    expect(byViewer.statusCode).toBe(403);
    expect(byViewer.json()).toMatchObject({ code: 'forbidden' });

    const leave = await call('owner', '/v1/auth/organization/leave', {
      organizationId: world.orgA,
    });
    expect(leave.statusCode).toBe(400);
    const [owner] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(memberships).where(eq(memberships.userId, world.personas.owner.userId!)),
    );
    expect(owner?.role).toBe('owner');
  });

  it('never leaves an organization without an owner; ownership is transferred by promote-then-step-down', async () => {
    const list = async () =>
      (
        await t.app.inject({
          url: `/v1/auth/organization/list-members?organizationId=${world.orgA}`,
          headers: world.personas.owner.headers,
        })
      ).json<{ members: { id: string; userId: string; role: string }[] }>().members;
    const members = await list();
    const owner = members.find((m) => m.userId === world.personas.owner.userId)!;
    const admin = members.find((m) => m.userId === world.personas.admin.userId)!;

    const demote = await call('owner', '/v1/auth/organization/update-member-role', {
      memberId: owner.id,
      role: 'member',
      organizationId: world.orgA,
    });
    expect(demote.statusCode).toBe(400);
    expect(demote.json()).toMatchObject({
      reason: 'you_cannot_leave_the_organization_without_an_owner',
    });
    const remove = await call('admin', '/v1/auth/organization/remove-member', {
      memberIdOrEmail: owner.id,
      organizationId: world.orgA,
    });
    // An admin cannot act on an owner at all (an owner can do more than an admin).
    expect(remove.statusCode).toBe(403);

    // Transfer: make the admin an owner, then the old owner steps down.
    expect(
      (
        await call('owner', '/v1/auth/organization/update-member-role', {
          memberId: admin.id,
          role: 'owner',
          organizationId: world.orgA,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await call('owner', '/v1/auth/organization/update-member-role', {
          memberId: owner.id,
          role: 'admin',
          organizationId: world.orgA,
        })
      ).statusCode,
    ).toBe(200);
    const roles = Object.fromEntries((await list()).map((m) => [m.userId, m.role]));
    expect(roles[world.personas.admin.userId!]).toBe('owner');
    expect(roles[world.personas.owner.userId!]).toBe('admin');
    const log = await t.services.tenancy.withTenant(world.orgA, (tx) =>
      tx.select().from(auditLog).where(eq(auditLog.action, 'member.role_changed')),
    );
    expect(log.length).toBeGreaterThanOrEqual(2);
  });

  it('a new session starts in the user’s only organization; with several, the user chooses', async () => {
    const signIn = async (name: 'viewer' | 'member') => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in/email',
        headers: { origin },
        payload: {
          email: `${name}-orgs-${backend}@example.com`,
          password: `${name} password 1234`,
        },
      });
      expect(response.statusCode).toBe(200);
      const cookie = response.cookies.find((c) => c.name.endsWith('session_token'))!;
      return { origin, cookie: `${cookie.name}=${cookie.value}` };
    };
    const only = await t.app.inject({ url: '/v1/organization', headers: await signIn('viewer') });
    expect(only.statusCode, only.body).toBe(200);
    expect(only.json()).toMatchObject({ id: world.orgA });
    // The member created "Member Co" above: two organizations, so none is picked for them.
    const several = await t.app.inject({
      url: '/v1/organization',
      headers: await signIn('member'),
    });
    expect(several.statusCode).toBe(403);
    expect(several.json<{ detail: string }>().detail).toContain('Choose an active organization');
  });
});
