import { memberTwoFactorReset, webhookEndpointDisabled } from '@corebase/contracts';
import { eq } from 'drizzle-orm';
import { unwrap, type paths } from '@corebase/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '#server/modules/notifications/notifications.schema';
import { createEvents } from '#server/platform/outbox/events';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { createTestApp, runWork, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';
import { sdkFor } from '#test/sdk';
import { startSmtpSink, type TSmtpSink } from '#test/smtp';

type TPersonaName = keyof TWorld['personas'];
type TPreference =
  paths['/v1/notifications/preferences']['put']['requestBody']['content']['application/json']['preferences'][number];

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

  /** The typed client signed in as a persona. */
  const api = (persona: TPersonaName) => sdkFor(t, { headers: world.personas[persona].headers });

  const work = () => runWork(t);

  const inbox = (persona: TPersonaName, query: { unread?: 'true' | 'false' } = {}) =>
    unwrap(api(persona).GET('/v1/notifications', { params: { query } }));

  it('answers only signed-in people, each with their own notifications', async () => {
    const anonymous = sdkFor(t);
    for (const path of ['/v1/notifications', '/v1/notifications/unread-count'] as const) {
      const { error } = await anonymous.GET(path);
      expect(error, path).toMatchObject({ status: 401, code: 'unauthenticated' });
    }
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
    const read = { params: { path: { id: mine!.id } } };
    const theirs = await api('viewer').POST('/v1/notifications/{id}/read', read);
    expect(theirs.response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(theirs.error).toMatchObject({ status: 404, code: 'not_found' });

    const marked = await api('member').POST('/v1/notifications/{id}/read', read);
    expect(marked.error).toBeUndefined();
    expect(marked.response.status).toBe(204);
    const count = await unwrap(api('member').GET('/v1/notifications/unread-count'));
    expect(count).toEqual({ unreadCount: 0 });
    expect((await inbox('member', { unread: 'true' })).data).toEqual([]);
    expect((await inbox('member')).data[0]!.readAt).not.toBeNull();
    const all = await unwrap(api('member').POST('/v1/notifications/read-all'));
    expect(all).toEqual({ marked: 0 });
  });

  it('follows each person’s channels: in-app and email for admins of a disabled endpoint', async () => {
    const { orgA } = world;
    const defaults = await unwrap(api('owner').GET('/v1/notifications/preferences'));
    expect(defaults.data.find((p) => p.type === 'webhook_endpoint.disabled')).toMatchObject({
      inApp: true,
      email: true,
      channels: ['inApp', 'email'],
    });
    // The owner wants no email of it; the admin keeps the defaults.
    const changed = await api('owner').PUT('/v1/notifications/preferences', {
      body: { preferences: [{ type: 'webhook_endpoint.disabled', inApp: true, email: false }] },
    });
    expect(changed.response.status, JSON.stringify(changed.error)).toBe(200);

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
    const viewer = api('viewer');
    const before = await unwrap(viewer.GET('/v1/notifications/preferences'));
    const refused: TPreference[][] = [
      // Not a type the document allows: the typed client would stop it, the server must too.
      [{ type: 'no.such' as TPreference['type'], inApp: true, email: true }],
      [{ type: 'member.two_factor_reset', inApp: true, email: true }],
      [],
    ];
    for (const preferences of refused) {
      const { error, response } = await viewer.PUT('/v1/notifications/preferences', {
        body: { preferences },
      });
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(error, JSON.stringify(preferences)).toMatchObject({
        status: 400,
        code: 'validation_failed',
      });
      expect(JSON.stringify(error)).toContain('preferences');
    }
    expect(await unwrap(viewer.GET('/v1/notifications/preferences'))).toEqual(before);
    const rows = await t.services.tenancy.withMaintenance((tx) =>
      tx
        .select()
        .from(notifications)
        .where(eq(notifications.userId, world.personas.viewer.userId!)),
    );
    expect(rows).toEqual([]);
  });
});
