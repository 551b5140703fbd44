import { memberTwoFactorReset, webhookEndpointDisabled } from '@corebase/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '#server/modules/notifications/notifications.schema';
import { createEvents } from '#server/platform/outbox/events';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { createTestApp, runWork, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';
import { startSmtpSink, type TSmtpSink } from '#test/smtp';

type TPage = {
  data: { id: string; type: string; title: string; link: string | null; readAt: string | null }[];
  unreadCount: number;
};

describe.each(testBackends())('notifications on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let smtp: TSmtpSink;
  const events = createEvents();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(backend, {
      env: { SMTP_URL: smtp.url, RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `notify-${backend}`);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const as = (persona: keyof TWorld['personas']) => world.personas[persona].headers;
  const call = (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    persona: keyof TWorld['personas'],
    payload?: object,
  ) => t.app.inject({ method, url, headers: as(persona), ...(payload ? { payload } : {}) });

  const work = () => runWork(t);

  const inbox = async (persona: keyof TWorld['personas'], query = '') =>
    (await call('GET', `/v1/notifications${query}`, persona)).json<TPage>();

  it('answers only signed-in people, each with their own notifications', async () => {
    expect((await t.app.inject({ url: '/v1/notifications' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/v1/notifications/unread-count' })).statusCode).toBe(401);
    expect((await inbox('viewer')).data).toEqual([]);
  });

  it('notifies a member whose two-factor was reset, once however often the event arrives; read and read-all', async () => {
    const { orgA, personas } = world;
    const id = await t.services.tenancy.withTenant(orgA, (tx) =>
      events.emit(tx, memberTwoFactorReset, {
        organizationId: orgA,
        userId: personas.member.userId!,
        byUserId: personas.admin.userId!,
      }),
    );
    await work();
    // Delivered again (a dispatcher died before marking it): still one notification.
    await t.services.tenancy.withMaintenance((tx) =>
      tx
        .update(outbox)
        .set({ status: 'pending', ackedJobs: [], availableAt: new Date(Date.now() - 1) })
        .where(eq(outbox.id, id)),
    );
    await work();

    const page = await inbox('member');
    expect(page.unreadCount).toBe(1);
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      type: 'member.two_factor_reset',
      title: 'Two-factor authentication removed',
      link: '/account',
      readAt: null,
    });
    expect((await inbox('viewer')).data).toEqual([]);
    const [mine] = page.data;

    // Someone else's notification is not there for them.
    const theirs = await call('POST', `/v1/notifications/${mine!.id}/read`, 'viewer');
    expect(theirs.statusCode).toBe(404);
    expect(theirs.headers['content-type']).toMatch(/application\/problem\+json/);

    expect((await call('POST', `/v1/notifications/${mine!.id}/read`, 'member')).statusCode).toBe(
      204,
    );
    const count = await call('GET', '/v1/notifications/unread-count', 'member');
    expect(count.json()).toEqual({ unreadCount: 0 });
    expect((await inbox('member', '?unread=true')).data).toEqual([]);
    expect((await inbox('member')).data[0]!.readAt).not.toBeNull();
    const all = await call('POST', '/v1/notifications/read-all', 'member');
    expect(all.json()).toEqual({ marked: 0 });
  });

  it('follows each person’s channels: in-app and email for admins of a disabled endpoint', async () => {
    const { orgA } = world;
    const defaults = (await call('GET', '/v1/notifications/preferences', 'owner')).json<{
      data: { type: string; inApp: boolean; email: boolean; channels: string[] }[];
    }>();
    expect(defaults.data.find((p) => p.type === 'webhook_endpoint.disabled')).toMatchObject({
      inApp: true,
      email: true,
      channels: ['inApp', 'email'],
    });
    // The owner wants no email of it; the admin keeps the defaults.
    const changed = await call('PUT', '/v1/notifications/preferences', 'owner', {
      preferences: [{ type: 'webhook_endpoint.disabled', inApp: true, email: false }],
    });
    expect(changed.statusCode, changed.body).toBe(200);

    const endpointId = '0193a1b2-c3d4-7e5f-8a7b-8c9d0e1f2a3b';
    await t.services.tenancy.withTenant(orgA, (tx) =>
      events.emit(tx, webhookEndpointDisabled, {
        endpointId,
        url: 'https://hooks.example.com/in',
        failingSince: new Date(Date.now() - 25 * 3_600_000).toISOString(),
      }),
    );
    await work();

    for (const persona of ['owner', 'admin'] as const) {
      const [notice] = (await inbox(persona)).data.filter(
        (n) => n.type === 'webhook_endpoint.disabled',
      );
      expect(notice, persona).toMatchObject({ link: `/organization/webhooks/${endpointId}` });
    }
    expect((await inbox('member')).data.some((n) => n.type === 'webhook_endpoint.disabled')).toBe(
      false,
    );
    const adminEmail = `admin-notify-${backend}@example.com`;
    const ownerEmail = `owner-notify-${backend}@example.com`;
    const subject = /Webhook endpoint disabled/;
    expect(await smtp.settled(adminEmail, subject)).toHaveLength(1);
    expect(smtp.sent(ownerEmail, subject)).toHaveLength(0);
  });

  it('refuses an unknown type and a channel a type does not use, changing nothing', async () => {
    const before = (await call('GET', '/v1/notifications/preferences', 'viewer')).json<unknown>();
    for (const preferences of [
      [{ type: 'no.such', inApp: true, email: true }],
      [{ type: 'member.two_factor_reset', inApp: true, email: true }],
      [],
    ]) {
      const response = await call('PUT', '/v1/notifications/preferences', 'viewer', {
        preferences,
      });
      expect(response.statusCode, JSON.stringify(preferences)).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toContain('preferences');
    }
    expect((await call('GET', '/v1/notifications/preferences', 'viewer')).json()).toEqual(before);
    const rows = await t.services.tenancy.withMaintenance((tx) =>
      tx
        .select()
        .from(notifications)
        .where(eq(notifications.userId, world.personas.viewer.userId!)),
    );
    expect(rows).toEqual([]);
  });
});
