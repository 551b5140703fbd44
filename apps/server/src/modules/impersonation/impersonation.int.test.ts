import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ZAuditPage,
  ZImpersonationPage,
  ZStartedImpersonation,
  ZStoppedImpersonation,
  impersonationHeader,
  type TAuditEntry,
} from '@corebase/contracts';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sessions } from '#server/modules/identity/identity.schema';
import { impersonations } from '#server/modules/impersonation/impersonation.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, signUpVerified, type TPersonaName, type TWorld } from '#test/personas';

const origin = 'http://localhost:3000';
const corsOrigin = 'https://console.example.com';

/** A browser's cookies: what the answers set, sent back with the next request. */
type TJar = Map<string, string>;

function absorb(jar: TJar, response: LightMyRequestResponse): TJar {
  for (const cookie of response.cookies as { name: string; value: string; maxAge?: number }[]) {
    if (cookie.maxAge === 0 || cookie.value === '') jar.delete(cookie.name);
    else jar.set(cookie.name, cookie.value);
  }
  return jar;
}

const cookieHeader = (jar: TJar) => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

const sessionCookieOf = (jar: TJar) =>
  [...jar].find(([name]) => name.endsWith('session_token'))?.[1];

describe.each(testBackends())('impersonation on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let otherSuperadminId: string;
  const tag = `impersonation-${backend}`;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000', CORS_ORIGINS: corsOrigin },
    });
    world = await buildWorld(t, tag);
    const other = await signUpVerified(t, {
      name: 'Other Superadmin',
      email: `other-superadmin-${tag}@example.com`,
      password: 'other superadmin password 1234',
    });
    otherSuperadminId = other.userId;
    await t.services.tenancy.withPlatform((tx) =>
      t.services.identity.makeSuperadmin(tx, other.userId),
    );
  });
  afterAll(() => t?.close());

  const idOf = (name: TPersonaName) => world.personas[name].userId!;

  /** A new sign-in of a persona: a browser (cookie jar) and its bearer token. */
  const signIn = async (name: TPersonaName) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/email',
      headers: { origin },
      payload: { email: `${name}-${tag}@example.com`, password: `${name} password 1234` },
    });
    expect(response.statusCode, response.body).toBe(200);
    return { jar: absorb(new Map(), response), bearer: String(response.headers['set-auth-token']) };
  };

  const browser = (jar: TJar, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.app
      .inject({
        method,
        url,
        headers: { origin, cookie: cookieHeader(jar) },
        ...(payload ? { payload } : {}),
      })
      .then((response) => {
        absorb(jar, response);
        return response;
      });

  const bearer = (
    token: string,
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
  ) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });

  const start = (token: string, body: object) =>
    bearer(token, 'POST', '/v1/admin/impersonation', body);

  const platformAudit = async (token: string, action: string): Promise<TAuditEntry[]> => {
    const response = await bearer(token, 'GET', `/v1/admin/audit-log?action=${action}&limit=100`);
    expect(response.statusCode, response.body).toBe(200);
    return ZAuditPage.parse(response.json()).data;
  };

  const rowOf = (id: string) =>
    t.services.tenancy
      .withPlatform((tx) => tx.select().from(impersonations).where(eq(impersonations.id, id)))
      .then((rows) => rows[0]!);

  const sessionRow = (sessionId: string) =>
    t.services.tenancy
      .withPlatform((tx) => tx.select().from(sessions).where(eq(sessions.id, sessionId)))
      .then((rows) => rows[0]);

  it('lets a superadmin act as a member in the browser, flagged in every answer, then restores their own session', async () => {
    const admin = await signIn('superadmin');
    const ownSession = sessionCookieOf(admin.jar);
    const started = await browser(admin.jar, 'POST', '/v1/admin/impersonation', {
      userId: idOf('member'),
      reason: 'Ticket 4711: cannot see the companies list',
      minutes: 15,
    });
    expect(started.statusCode, started.body).toBe(201);
    const body = ZStartedImpersonation.parse(started.json());
    expect(body).toMatchObject({
      admin: { id: idOf('superadmin'), email: `superadmin-${tag}@example.com` },
      user: { id: idOf('member'), email: `member-${tag}@example.com` },
      reason: 'Ticket 4711: cannot see the companies list',
      active: true,
      endedAt: null,
    });
    const minutes = (Date.parse(body.expiresAt) - Date.parse(body.startedAt)) / 60_000;
    expect(minutes).toBe(15);
    // The browser now holds the member's session; the superadmin's own waits aside.
    expect(sessionCookieOf(admin.jar)).not.toBe(ownSession);
    expect([...admin.jar.keys()].some((name) => name.endsWith('impersonator_session'))).toBe(true);
    expect(started.cookies.find((c) => c.name.endsWith('session_token'))).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: 15 * 60,
    });

    const session = await browser(admin.jar, 'GET', '/v1/auth/get-session');
    expect(session.json()).toMatchObject({
      user: { id: idOf('member') },
      session: { impersonatedBy: idOf('superadmin') },
      impersonation: {
        id: body.id,
        by: { id: idOf('superadmin'), email: `superadmin-${tag}@example.com` },
        reason: 'Ticket 4711: cannot see the companies list',
        expiresAt: body.expiresAt,
      },
    });
    const flag = `by=${idOf('superadmin')}; id=${body.id}; expires=${body.expiresAt}`;
    expect(session.headers[impersonationHeader]).toBe(flag);

    // Every answer says so: a data route, a refusal, a validation failure.
    const organization = await browser(admin.jar, 'GET', '/v1/organization');
    expect(organization.statusCode).toBe(200);
    expect(organization.json()).toMatchObject({ id: world.orgA });
    expect(organization.headers[impersonationHeader]).toBe(flag);
    const refused = await browser(admin.jar, 'GET', '/v1/admin/audit-log');
    expect(refused.statusCode).toBe(403);
    expect(refused.headers[impersonationHeader]).toBe(flag);
    const invalid = await browser(admin.jar, 'POST', '/v1/auth/organization/set-active', {
      organizationId: 'nope',
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers[impersonationHeader]).toBe(flag);
    // A script of another configured origin may read it.
    const cors = await t.app.inject({
      url: '/v1/organization',
      headers: { origin: corsOrigin, cookie: cookieHeader(admin.jar) },
    });
    expect(cors.statusCode).toBe(200);
    expect(String(cors.headers['access-control-expose-headers'])).toContain(impersonationHeader);

    const sessionCookie = [...admin.jar.keys()].find((name) => name.endsWith('session_token'))!;
    const impersonationCookie = sessionCookieOf(admin.jar)!;
    const stop = await browser(admin.jar, 'POST', '/v1/admin/impersonation/stop');
    expect(stop.statusCode, stop.body).toBe(200);
    expect(ZStoppedImpersonation.parse(stop.json())).toMatchObject({
      restored: true,
      impersonation: {
        id: body.id,
        active: false,
        endReason: 'stopped',
        endedBy: idOf('superadmin'),
      },
    });
    expect(sessionCookieOf(admin.jar)).toBe(ownSession);
    expect([...admin.jar.keys()].some((name) => name.endsWith('impersonator_session'))).toBe(false);
    const own = await browser(admin.jar, 'GET', '/v1/auth/get-session');
    expect(own.json()).toMatchObject({ user: { id: idOf('superadmin') } });
    expect(own.json()).not.toHaveProperty('impersonation');
    expect(own.headers[impersonationHeader]).toBeUndefined();

    // The member's session made for it is gone.
    const stale = new Map([[sessionCookie, impersonationCookie]]);
    expect((await browser(stale, 'GET', '/v1/auth/get-session')).json()).toBeNull();
    expect((await browser(stale, 'GET', '/v1/organization')).statusCode).toBe(401);

    const startedEntries = await platformAudit(admin.bearer, 'impersonation.started');
    expect(
      startedEntries.find(
        (e) => (e.after as { impersonationId?: string }).impersonationId === body.id,
      ),
    ).toMatchObject({
      orgId: null,
      actorType: 'user',
      actorId: idOf('superadmin'),
      targetType: 'user',
      targetId: idOf('member'),
      after: {
        reason: 'Ticket 4711: cannot see the companies list',
        expiresAt: body.expiresAt,
        email: `member-${tag}@example.com`,
      },
      ip: '127.0.0.1',
    });
    const endedEntries = await platformAudit(admin.bearer, 'impersonation.ended');
    expect(
      endedEntries.find(
        (e) => (e.after as { impersonationId?: string }).impersonationId === body.id,
      ),
    ).toMatchObject({
      actorType: 'user',
      actorId: idOf('superadmin'),
      targetId: idOf('member'),
      after: { endReason: 'stopped', impersonatorId: idOf('superadmin') },
    });

    // The member is told, with the reason.
    const mailDir = path.join(t.config.CB_DATA_DIR, 'mail');
    const mails = readdirSync(mailDir).map((file) =>
      readFileSync(path.join(mailDir, file), 'utf8'),
    );
    const notice = mails.find(
      (mail) => mail.includes(`member-${tag}@example.com`) && mail.includes('Ticket 4711'),
    );
    expect(notice).toBeDefined();
  });

  it('refuses what only the user may do, audits the rest under the impersonator, and a bearer client stops it', async () => {
    const admin = await signIn('superadmin');
    const started = await start(admin.bearer, {
      userId: idOf('admin'),
      reason: 'Customer asked us to set up their roles',
    });
    expect(started.statusCode, started.body).toBe(201);
    const { token, id, expiresAt } = ZStartedImpersonation.parse(started.json());
    // The default length.
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(29 * 60_000);
    // A bearer client keeps its own token: no cookies.
    expect(started.cookies).toEqual([]);

    const refused: [method: 'GET' | 'POST', url: string, payload?: object][] = [
      ['POST', '/v1/auth/change-password', { currentPassword: 'x', newPassword: 'y' }],
      ['POST', '/v1/auth/change-email', { newEmail: `taken-${tag}@example.com` }],
      ['POST', '/v1/auth/two-factor/enable', { password: 'admin password 1234' }],
      ['POST', '/v1/auth/two-factor/disable', { password: 'admin password 1234' }],
      ['POST', '/v1/auth/delete-user', {}],
      ['GET', '/v1/auth/token'],
      ['POST', '/v1/auth/revoke-other-sessions', {}],
      ['POST', '/v1/auth/revoke-sessions', {}],
      // It would hand over the tokens of the user's own sessions: access past the time limit.
      ['GET', '/v1/auth/list-sessions'],
      ['POST', '/v1/auth/verify-password', { password: 'a guess at it' }],
      ['POST', '/v1/api-keys', { name: 'backdoor', permissions: ['organization:read'] }],
      ['POST', '/v1/organization/deletion', { confirm: `org-a-${tag}` }],
    ];
    for (const [method, url, payload] of refused) {
      const response = await bearer(token, method, url, payload);
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(403);
      expect(response.json(), url).toMatchObject({ code: 'impersonation_forbidden' });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers[impersonationHeader]).toContain(`id=${id}`);
    }
    const keys = await bearer(token, 'GET', '/v1/api-keys');
    expect(keys.json<{ data: unknown[] }>().data).toEqual([]);

    // What the user could do is allowed, and audited with the superadmin named.
    const role = await bearer(token, 'POST', '/v1/roles', {
      name: 'support-made',
      permissions: ['organization:read'],
    });
    expect(role.statusCode, role.body).toBe(201);
    const profile = await bearer(token, 'POST', '/v1/auth/update-user', { name: 'Admin Renamed' });
    expect(profile.statusCode, profile.body).toBe(200);
    const orgLog = await t.app.inject({
      url: '/v1/audit-log?action=role.created',
      headers: world.personas.owner.headers,
    });
    expect(ZAuditPage.parse(orgLog.json()).data).toContainEqual(
      expect.objectContaining({
        actorId: idOf('admin'),
        impersonatorId: idOf('superadmin'),
        orgId: world.orgA,
      }),
    );
    expect(await platformAudit(admin.bearer, 'auth.profile_updated')).toContainEqual(
      expect.objectContaining({ actorId: idOf('admin'), impersonatorId: idOf('superadmin') }),
    );
    // The user's own entries, without an impersonation, name nobody.
    const ownRole = await t.app.inject({
      method: 'POST',
      url: '/v1/roles',
      headers: world.personas.owner.headers,
      payload: { name: 'owner-made', permissions: ['organization:read'] },
    });
    expect(ownRole.statusCode).toBe(201);
    const entries = ZAuditPage.parse(
      (
        await t.app.inject({
          url: `/v1/audit-log?action=role.created&actor=${idOf('owner')}`,
          headers: world.personas.owner.headers,
        })
      ).json(),
    ).data;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.impersonatorId === null)).toBe(true);

    const stop = await bearer(token, 'POST', '/v1/admin/impersonation/stop');
    expect(stop.statusCode, stop.body).toBe(200);
    expect(stop.json()).toMatchObject({ restored: false, impersonation: { id, active: false } });
    expect((await bearer(token, 'GET', '/v1/organization')).statusCode).toBe(401);
    // The superadmin's own session was never touched.
    expect((await bearer(admin.bearer, 'GET', '/v1/admin/impersonations')).statusCode).toBe(200);
  });

  it('is for superadmins only, never of oneself or another superadmin, one at a time', async () => {
    const admin = await signIn('superadmin');
    const body = { userId: idOf('viewer'), reason: 'Checking the viewer role' };
    for (const name of ['owner', 'admin', 'member'] as const) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/impersonation',
        headers: world.personas[name].headers,
        payload: body,
      });
      expect(response.statusCode, name).toBe(403);
      expect(response.json()).toMatchObject({ code: 'forbidden' });
    }
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/admin/impersonation', payload: body }))
        .statusCode,
    ).toBe(401);

    const self = await start(admin.bearer, { ...body, userId: idOf('superadmin') });
    expect(self.statusCode).toBe(400);
    const superadmin = await start(admin.bearer, { ...body, userId: otherSuperadminId });
    expect(superadmin.statusCode).toBe(403);
    expect(superadmin.json<{ detail: string }>().detail).toContain('superadmin');
    const unknown = await start(admin.bearer, {
      ...body,
      userId: '01900000-0000-7000-8000-000000000000',
    });
    expect(unknown.statusCode).toBe(404);
    const short = await start(admin.bearer, { ...body, reason: 'no' });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ errors: [{ in: 'body', field: 'reason' }] });
    const long = await start(admin.bearer, { ...body, minutes: 61 });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ errors: [{ in: 'body', field: 'minutes' }] });

    const first = await start(admin.bearer, body);
    expect(first.statusCode, first.body).toBe(201);
    const second = await start(admin.bearer, { ...body, userId: idOf('member') });
    expect(second.statusCode).toBe(409);
    expect(second.json<{ detail: string }>().detail).toContain(`viewer-${tag}@example.com`);
    // While acting as someone, the superadmin is that someone: no superadmin routes.
    const { token, id } = ZStartedImpersonation.parse(first.json());
    expect((await start(token, { ...body, userId: idOf('member') })).statusCode).toBe(403);
    expect((await bearer(token, 'GET', '/v1/admin/impersonations')).statusCode).toBe(403);

    // Stopping needs an impersonation.
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/admin/impersonation/stop' })).statusCode,
    ).toBe(401);
    const notImpersonating = await bearer(admin.bearer, 'POST', '/v1/admin/impersonation/stop');
    expect(notImpersonating.statusCode).toBe(409);

    // Another superadmin may end it at once.
    const other = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/email',
      headers: { origin },
      payload: {
        email: `other-superadmin-${tag}@example.com`,
        password: 'other superadmin password 1234',
      },
    });
    const otherToken = String(other.headers['set-auth-token']);
    const ended = await bearer(otherToken, 'DELETE', `/v1/admin/impersonations/${id}`);
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toMatchObject({
      active: false,
      endReason: 'stopped',
      endedBy: otherSuperadminId,
    });
    expect((await bearer(token, 'GET', '/v1/organization')).statusCode).toBe(401);
    expect(
      (
        await bearer(
          otherToken,
          'DELETE',
          '/v1/admin/impersonations/01900000-0000-7000-8000-000000000000',
        )
      ).statusCode,
    ).toBe(404);
    // Ended, the superadmin may start another.
    const next = await start(admin.bearer, body);
    expect(next.statusCode).toBe(201);
    await bearer(
      ZStartedImpersonation.parse(next.json()).token,
      'POST',
      '/v1/admin/impersonation/stop',
    );
  });

  it('ends by itself at its end; the browser gets the superadmin back on stop', async () => {
    const admin = await signIn('superadmin');
    const ownSession = sessionCookieOf(admin.jar);
    const started = await browser(admin.jar, 'POST', '/v1/admin/impersonation', {
      userId: idOf('viewer'),
      reason: 'Reproducing a report',
      minutes: 5,
    });
    expect(started.statusCode, started.body).toBe(201);
    const { id, token } = ZStartedImpersonation.parse(started.json());
    expect((await browser(admin.jar, 'GET', '/v1/organization')).statusCode).toBe(200);

    // Its end passes (the session row itself would still run: the impersonation decides).
    const past = new Date(Date.now() - 1_000);
    await t.services.tenancy.withPlatform((tx) =>
      tx.update(impersonations).set({ expiresAt: past }).where(eq(impersonations.id, id)),
    );
    expect((await browser(admin.jar, 'GET', '/v1/organization')).statusCode).toBe(401);
    expect((await bearer(token, 'GET', '/v1/organization')).statusCode).toBe(401);
    expect((await browser(admin.jar, 'GET', '/v1/auth/get-session')).json()).toBeNull();

    const list = await bearer(admin.bearer, 'GET', '/v1/admin/impersonations?status=ended');
    const listed = ZImpersonationPage.parse(list.json()).data.find((i) => i.id === id);
    expect(listed).toMatchObject({
      active: false,
      endReason: 'expired',
      endedBy: null,
      endedAt: past.toISOString(),
    });
    const ended = (await platformAudit(admin.bearer, 'impersonation.ended')).filter(
      (e) => (e.after as { impersonationId?: string }).impersonationId === id,
    );
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ actorType: 'system', after: { endReason: 'expired' } });

    // The browser still keeps the superadmin's session aside: stop brings it back, from the
    // app itself only.
    const crossSite = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/impersonation/stop',
      headers: { origin: 'https://evil.example.net', cookie: cookieHeader(admin.jar) },
    });
    expect(crossSite.statusCode).toBe(403);
    const stop = await browser(admin.jar, 'POST', '/v1/admin/impersonation/stop');
    expect(stop.statusCode, stop.body).toBe(200);
    expect(stop.json()).toMatchObject({
      restored: true,
      impersonation: { id, endReason: 'expired' },
    });
    expect(sessionCookieOf(admin.jar)).toBe(ownSession);
    expect((await browser(admin.jar, 'GET', '/v1/auth/get-session')).json()).toMatchObject({
      user: { id: idOf('superadmin') },
    });
    // Nothing is kept aside any more.
    const again = await browser(new Map(), 'POST', '/v1/admin/impersonation/stop');
    expect(again.statusCode).toBe(401);
  });

  it('never extends its session, however often it is used', async () => {
    const admin = await signIn('superadmin');
    const started = await start(admin.bearer, {
      userId: idOf('custom'),
      reason: 'Long support call',
      minutes: 10,
    });
    const { token, id, expiresAt } = ZStartedImpersonation.parse(started.json());
    const { sessionId } = await rowOf(id);
    // Every use is "due for a refresh" here: its end is far less than the idle limit away.
    for (let i = 0; i < 3; i++) {
      expect((await bearer(token, 'GET', '/v1/auth/get-session')).statusCode).toBe(200);
      expect((await bearer(token, 'GET', '/v1/organization')).statusCode).toBe(200);
    }
    const session = await sessionRow(sessionId!);
    expect(session!.expiresAt.toISOString()).toBe(expiresAt);
    expect(session!.impersonatedBy).toBe(idOf('superadmin'));
    await bearer(token, 'POST', '/v1/admin/impersonation/stop');
  });

  it('ends when the user ends its session, and the user sees it among theirs', async () => {
    const admin = await signIn('superadmin');
    const started = await start(admin.bearer, { userId: idOf('member'), reason: 'Data check' });
    const { token, id } = ZStartedImpersonation.parse(started.json());
    const member = await signIn('member');
    const list = await bearer(member.bearer, 'GET', '/v1/auth/list-sessions');
    const theirs = list
      .json<{ token: string; impersonatedBy?: string | null }[]>()
      .find((s) => s.impersonatedBy === idOf('superadmin'));
    expect(theirs).toBeDefined();
    const revoke = await bearer(member.bearer, 'POST', '/v1/auth/revoke-session', {
      token: theirs!.token,
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect((await bearer(token, 'GET', '/v1/organization')).statusCode).toBe(401);
    expect(await rowOf(id)).toMatchObject({ endReason: 'session_ended', endedBy: null });
    expect(
      (await platformAudit(admin.bearer, 'impersonation.ended')).some(
        (e) => (e.after as { impersonationId?: string }).impersonationId === id,
      ),
    ).toBe(true);
  });

  it('records the impersonator on a sign-out from the impersonation', async () => {
    const admin = await signIn('superadmin');
    const started = await browser(admin.jar, 'POST', '/v1/admin/impersonation', {
      userId: idOf('owner'),
      reason: 'Sign-out test',
    });
    const { id } = ZStartedImpersonation.parse(started.json());
    const signOut = await browser(admin.jar, 'POST', '/v1/auth/sign-out', {});
    expect(signOut.statusCode, signOut.body).toBe(200);
    expect(await rowOf(id)).toMatchObject({ endReason: 'session_ended' });
    expect(await platformAudit(admin.bearer, 'auth.signed_out')).toContainEqual(
      expect.objectContaining({ actorId: idOf('owner'), impersonatorId: idOf('superadmin') }),
    );
  });

  it('lists impersonations newest first, a page at a time', async () => {
    const admin = await signIn('superadmin');
    const first = await bearer(admin.bearer, 'GET', '/v1/admin/impersonations?limit=2');
    expect(first.statusCode).toBe(200);
    const page = ZImpersonationPage.parse(first.json());
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    const second = ZImpersonationPage.parse(
      (
        await bearer(
          admin.bearer,
          'GET',
          `/v1/admin/impersonations?limit=2&cursor=${page.nextCursor}`,
        )
      ).json(),
    );
    const ids = [...page.data, ...second.data].map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    const times = [...page.data, ...second.data].map((i) => Date.parse(i.startedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const bad = await bearer(admin.bearer, 'GET', '/v1/admin/impersonations?cursor=nope');
    expect(bad.statusCode).toBe(400);
    const active = ZImpersonationPage.parse(
      (await bearer(admin.bearer, 'GET', '/v1/admin/impersonations?status=active')).json(),
    );
    expect(active.data.every((i) => i.active)).toBe(true);
  });
});

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('impersonation with Redis as secondary storage', () => {
  let t: TTestApp;
  let redis: Redis;
  const userIds: string[] = [];

  beforeAll(async () => {
    redis = new Redis(redisUrl!);
    t = await createTestApp('pglite', {
      env: { REDIS_URL: redisUrl!, RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
      redis,
    });
  });
  afterAll(async () => {
    // Leave the shared Redis as we found it.
    for (const userId of userIds) await redis.del(`corebase:auth:active-sessions-${userId}`);
    await t?.close();
    redis?.disconnect();
  });

  it('acts through a session kept in Redis too, never extended, gone from both on stop', async () => {
    const stamp = Date.now();
    const admin = await signUpVerified(t, {
      name: 'Redis Admin',
      email: `redis-admin-${stamp}@example.com`,
      password: 'redis admin password',
    });
    const user = await signUpVerified(t, {
      name: 'Redis User',
      email: `redis-user-${stamp}@example.com`,
      password: 'redis user password',
    });
    userIds.push(admin.userId, user.userId);
    await t.services.tenancy.withPlatform((tx) =>
      t.services.identity.makeSuperadmin(tx, admin.userId),
    );
    // Redis keeps the user with the session: a new sign-in carries the new role.
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/email',
      headers: { origin },
      payload: { email: `redis-admin-${stamp}@example.com`, password: 'redis admin password' },
    });
    const adminToken = String(signIn.headers['set-auth-token']);
    const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      });
    const started = await call(adminToken, 'POST', '/v1/admin/impersonation', {
      userId: user.userId,
      reason: 'Redis check',
      minutes: 10,
    });
    expect(started.statusCode, started.body).toBe(201);
    const { token, expiresAt } = ZStartedImpersonation.parse(started.json());
    const cached = JSON.parse((await redis.get(`corebase:auth:${token}`)) ?? 'null') as {
      session: { impersonatedBy: string };
    } | null;
    expect(cached?.session.impersonatedBy).toBe(admin.userId);
    for (let i = 0; i < 3; i++) {
      const session = await call(token, 'GET', '/v1/auth/get-session');
      expect(session.json()).toMatchObject({
        user: { id: user.userId },
        session: { expiresAt },
        impersonation: { by: { id: admin.userId } },
      });
    }
    const stop = await call(token, 'POST', '/v1/admin/impersonation/stop');
    expect(stop.statusCode, stop.body).toBe(200);
    expect(await redis.get(`corebase:auth:${token}`)).toBeNull();
    expect((await call(token, 'GET', '/v1/auth/get-session')).json()).toBeNull();
  });
});
