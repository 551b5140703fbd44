import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import { memberships, organizationRoles } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, customRole, signUpVerified, type TWorld } from '#test/personas';

describe.each(testBackends())('custom roles on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' },
    });
    world = await buildWorld(t, `roles-${backend}`);
  });
  afterAll(() => t?.close());

  const as = (persona: keyof TWorld['personas']) => world.personas[persona].headers;
  const api = (
    persona: keyof TWorld['personas'],
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
  ) => t.app.inject({ method, url, headers: as(persona), ...(payload ? { payload } : {}) });
  const membershipOf = async (userId: string) =>
    (
      await t.services.tenancy.withPlatform((tx) =>
        tx
          .select()
          .from(memberships)
          .where(and(eq(memberships.organizationId, world.orgA), eq(memberships.userId, userId))),
      )
    )[0];

  it('lists the built-in roles and the custom ones, with their permissions and holders', async () => {
    const response = await api('viewer', 'GET', '/v1/roles');
    expect(response.statusCode, response.body).toBe(200);
    const roles = response.json<{
      data: { name: string; builtIn: boolean; memberCount: number; permissions: string[] }[];
    }>().data;
    expect(roles.map((r) => r.name)).toEqual(['owner', 'admin', 'member', 'viewer', 'auditor']);
    expect(roles.find((r) => r.name === 'auditor')).toMatchObject({
      builtIn: false,
      memberCount: 1,
      permissions: [...customRole.permissions],
    });
    expect(roles.find((r) => r.name === 'owner')).toMatchObject({ builtIn: true, memberCount: 1 });
  });

  it('a custom role grants exactly its permissions, at once when they change', async () => {
    expect((await api('custom', 'GET', '/v1/audit-log')).statusCode).toBe(200);
    // members:manage is not among them: neither our routes nor better-auth's let the holder invite.
    const invite = await api('custom', 'POST', '/v1/auth/organization/invite-member', {
      email: `by-auditor-${backend}@example.com`,
      role: 'viewer',
    });
    expect(invite.statusCode).toBe(403);
    const create = await api('custom', 'POST', '/v1/roles', { name: 'sneaky', permissions: [] });
    expect(create.statusCode).toBe(403);

    const auditor = await api('admin', 'GET', '/v1/roles').then((r) =>
      r.json<{ data: { id: string; name: string }[] }>().data.find((x) => x.name === 'auditor')!,
    );
    const narrowed = await api('admin', 'PATCH', `/v1/roles/${auditor.id}`, {
      permissions: ['organization:read', 'members:read'],
    });
    expect(narrowed.statusCode, narrowed.body).toBe(200);
    expect((await api('custom', 'GET', '/v1/audit-log')).statusCode).toBe(403);
    const restored = await api('admin', 'PATCH', `/v1/roles/${auditor.id}`, {
      permissions: [...customRole.permissions],
    });
    expect(restored.statusCode).toBe(200);
    expect((await api('custom', 'GET', '/v1/audit-log')).statusCode).toBe(200);
  });

  it('creates, changes and deletes a role, each audited; the name is unique and checked', async () => {
    const created = await api('admin', 'POST', '/v1/roles', {
      name: 'sales',
      description: 'Works the pipeline',
      permissions: ['companies:write', 'companies:read', 'organization:read'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const role = created.json<{ id: string; permissions: string[] }>();
    // Stored in the contracts' order, whatever order it was sent in.
    expect(role.permissions).toEqual(['organization:read', 'companies:read', 'companies:write']);

    const again = await api('admin', 'POST', '/v1/roles', { name: 'sales', permissions: [] });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'conflict' });

    for (const [body, field] of [
      [{ name: 'admin', permissions: [] }, 'name'],
      [{ name: 'Sales Team', permissions: [] }, 'name'],
      [{ name: 'x'.repeat(41), permissions: [] }, 'name'],
      [{ name: 'support', permissions: ['companies:fly'] }, 'permissions.0'],
      [{ name: 'support', permissions: ['companies:read', 'companies:read'] }, 'permissions'],
      [{ name: 'support' }, 'permissions'],
    ] as const) {
      const bad = await api('admin', 'POST', '/v1/roles', body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(bad.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(
        field,
      );
    }
    const emptyPatch = await api('admin', 'PATCH', `/v1/roles/${role.id}`, {});
    expect(emptyPatch.statusCode).toBe(400);

    const changed = await api('admin', 'PATCH', `/v1/roles/${role.id}`, { description: null });
    expect(changed.json()).toMatchObject({ description: null, name: 'sales' });
    const deleted = await api('admin', 'DELETE', `/v1/roles/${role.id}`);
    expect(deleted.statusCode).toBe(204);
    expect((await api('admin', 'GET', `/v1/roles/${role.id}`)).statusCode).toBe(404);

    const actions = await t.services.tenancy.withTenant(world.orgA, (tx) =>
      tx.select().from(auditLog).where(eq(auditLog.targetId, role.id)),
    );
    expect(actions.map((a) => a.action).sort()).toEqual([
      'role.created',
      'role.deleted',
      'role.updated',
    ]);
    const update = actions.find((a) => a.action === 'role.updated')!;
    expect(update).toMatchObject({
      actorId: world.personas.admin.userId,
      before: { description: 'Works the pipeline' },
      after: { description: null },
    });
    expect(update.requestId).toBeTruthy();
  });

  it('nobody grants a permission they do not hold: not in a role, not by inviting or promoting', async () => {
    // Admins lack organization:delete.
    const create = await api('admin', 'POST', '/v1/roles', {
      name: 'deleter',
      permissions: ['organization:delete'],
    });
    expect(create.statusCode).toBe(403);
    expect(create.json<{ detail: string }>().detail).toContain('organization:delete');

    const byOwner = await api('owner', 'POST', '/v1/roles', {
      name: 'deleter',
      permissions: ['organization:read', 'organization:delete'],
    });
    expect(byOwner.statusCode).toBe(201);
    const invite = await api('admin', 'POST', '/v1/auth/organization/invite-member', {
      email: `deleter-${backend}@example.com`,
      role: 'deleter',
    });
    expect(invite.statusCode).toBe(403);
    const promote = await api('admin', 'POST', '/v1/auth/organization/update-member-role', {
      memberId: (await membershipOf(world.personas.viewer.userId!))!.id,
      role: 'deleter',
    });
    expect(promote.statusCode).toBe(403);
    expect((await membershipOf(world.personas.viewer.userId!))?.role).toBe('viewer');

    const unknown = await api('admin', 'POST', '/v1/auth/organization/update-member-role', {
      memberId: (await membershipOf(world.personas.viewer.userId!))!.id,
      role: 'no-such-role',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'validation_failed' });
    const two = await api('owner', 'POST', '/v1/auth/organization/update-member-role', {
      memberId: (await membershipOf(world.personas.viewer.userId!))!.id,
      role: ['viewer', 'auditor'],
    });
    expect(two.statusCode).toBe(400);
  });

  it('members get a custom role by invitation or role change; a role in use cannot be deleted', async () => {
    const created = await api('admin', 'POST', '/v1/roles', {
      name: 'support',
      permissions: ['organization:read', 'companies:read', 'members:read'],
    });
    const supportId = created.json<{ id: string }>().id;

    const email = `support-${backend}@example.com`;
    const invite = await api('admin', 'POST', '/v1/auth/organization/invite-member', {
      email,
      role: 'support',
    });
    expect(invite.statusCode, invite.body).toBe(200);
    const pending = await api('admin', 'DELETE', `/v1/roles/${supportId}`);
    expect(pending.statusCode).toBe(409);
    expect(pending.json<{ detail: string }>().detail).toContain('1 pending invitation');

    const invitee = await signUpVerified(t, {
      name: 'Support',
      email,
      password: 'support password 1234',
    });
    const accept = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/organization/accept-invitation',
      headers: invitee.headers,
      payload: { invitationId: invite.json<{ id: string }>().id },
    });
    expect(accept.statusCode, accept.body).toBe(200);
    expect((await membershipOf(invitee.userId))?.role).toBe('support');
    const inUse = await api('admin', 'DELETE', `/v1/roles/${supportId}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json<{ detail: string }>().detail).toContain('1 member hold');

    const demote = await api('admin', 'POST', '/v1/auth/organization/update-member-role', {
      memberId: (await membershipOf(invitee.userId))!.id,
      role: 'viewer',
    });
    expect(demote.statusCode, demote.body).toBe(200);
    const promote = await api('admin', 'POST', '/v1/auth/organization/update-member-role', {
      memberId: (await membershipOf(world.personas.viewer.userId!))!.id,
      role: 'support',
    });
    expect(promote.statusCode, promote.body).toBe(200);
    expect((await membershipOf(world.personas.viewer.userId!))?.role).toBe('support');
    const back = await api('admin', 'POST', '/v1/auth/organization/update-member-role', {
      memberId: (await membershipOf(world.personas.viewer.userId!))!.id,
      role: 'viewer',
    });
    expect(back.statusCode).toBe(200);
    expect((await api('admin', 'DELETE', `/v1/roles/${supportId}`)).statusCode).toBe(204);
  });

  it("another organization's role does not exist for an attacker, even as owner there", async () => {
    const auditor = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(organizationRoles).where(eq(organizationRoles.organizationId, world.orgA)),
    );
    const id = auditor.find((r) => r.role === 'auditor')!.id;
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const response = await api(
        'otherOrgOwner',
        method,
        `/v1/roles/${id}`,
        method === 'PATCH' ? { permissions: [] } : undefined,
      );
      expect(response.statusCode, `${method} ${response.body}`).toBe(404);
    }
    const list = await api('otherOrgOwner', 'GET', '/v1/roles');
    expect(list.json<{ data: { name: string }[] }>().data.map((r) => r.name)).not.toContain(
      'auditor',
    );
    const [still] = await t.services.tenancy.withPlatform((tx) =>
      tx.select().from(organizationRoles).where(eq(organizationRoles.id, id)),
    );
    expect(still?.permissions).toEqual([...customRole.permissions]);
    // Their own organization's endpoints cannot be pointed at organization A either.
    const members = await api(
      'otherOrgOwner',
      'GET',
      `/v1/auth/organization/list-members?organizationId=${world.orgA}`,
    );
    expect(members.statusCode).toBe(404);
  });

  it('member management stays within the caller’s reach and the active organization', async () => {
    // A custom role that manages members but cannot do what an admin can.
    const hr = await api('owner', 'POST', '/v1/roles', {
      name: 'hr',
      permissions: ['organization:read', 'companies:read', 'members:read', 'members:manage'],
    });
    expect(hr.statusCode, hr.body).toBe(201);
    const hrUser = await signUpVerified(t, {
      name: 'Hr',
      email: `hr-${backend}@example.com`,
      password: 'hr long password 1',
    });
    await t.services.auth.api.addMember({
      body: { userId: hrUser.userId, role: 'hr' as 'member', organizationId: world.orgA },
    });
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/organization/set-active',
      headers: hrUser.headers,
      payload: { organizationId: world.orgA },
    });
    const asHr = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: hrUser.headers, payload });
    const adminMembership = (await membershipOf(world.personas.admin.userId!))!;

    const demote = await asHr('/v1/auth/organization/update-member-role', {
      memberId: adminMembership.id,
      role: 'viewer',
    });
    expect(demote.statusCode).toBe(403);
    expect(demote.json<{ detail: string }>().detail).toContain("change this member's role");
    const remove = await asHr('/v1/auth/organization/remove-member', {
      memberIdOrEmail: adminMembership.id,
    });
    expect(remove.statusCode).toBe(403);
    const byEmail = await asHr('/v1/auth/organization/remove-member', {
      memberIdOrEmail: `admin-roles-${backend}@example.com`,
    });
    expect(byEmail.statusCode).toBe(403);
    expect((await membershipOf(world.personas.admin.userId!))?.role).toBe('admin');
    // Within reach: the viewer.
    const viewerMembership = (await membershipOf(world.personas.viewer.userId!))!;
    const ok = await asHr('/v1/auth/organization/update-member-role', {
      memberId: viewerMembership.id,
      role: 'viewer',
    });
    expect(ok.statusCode, ok.body).toBe(200);

    // The owner's invitation for an owner: nobody below an owner revokes or renews it.
    const ownerInvite = await api('owner', 'POST', '/v1/auth/organization/invite-member', {
      email: `co-owner-${backend}@example.com`,
      role: 'owner',
    });
    expect(ownerInvite.statusCode, ownerInvite.body).toBe(200);
    const resend = await api('admin', 'POST', '/v1/auth/organization/invite-member', {
      email: `co-owner-${backend}@example.com`,
      role: 'member',
      resend: true,
    });
    expect(resend.statusCode).toBe(403);
    const revoke = await api('admin', 'POST', '/v1/auth/organization/cancel-invitation', {
      invitationId: ownerInvite.json<{ id: string }>().id,
    });
    expect(revoke.statusCode).toBe(403);
    // Nor does anyone change or delete a role that can do more than they can.
    const deleter = await api('owner', 'POST', '/v1/roles', {
      name: 'mighty',
      permissions: ['organization:read', 'organization:delete'],
    });
    const mightyId = deleter.json<{ id: string }>().id;
    expect(
      (await api('admin', 'PATCH', `/v1/roles/${mightyId}`, { description: 'x' })).statusCode,
    ).toBe(403);
    expect((await api('admin', 'DELETE', `/v1/roles/${mightyId}`)).statusCode).toBe(403);
    expect((await api('owner', 'DELETE', `/v1/roles/${mightyId}`)).statusCode).toBe(204);

    // Organization B's member and invitation do not exist from organization A, even for its owner.
    const bInvite = await api('otherOrgOwner', 'POST', '/v1/auth/organization/invite-member', {
      email: `b-invitee-${backend}@example.com`,
      role: 'member',
    });
    expect(bInvite.statusCode).toBe(200);
    const bOwner = (
      await t.services.tenancy.withPlatform((tx) =>
        tx
          .select()
          .from(memberships)
          .where(eq(memberships.userId, world.personas.otherOrgOwner.userId!)),
      )
    )[0]!;
    for (const [url, payload] of [
      [
        '/v1/auth/organization/cancel-invitation',
        { invitationId: bInvite.json<{ id: string }>().id },
      ],
      ['/v1/auth/organization/update-member-role', { memberId: bOwner.id, role: 'viewer' }],
      ['/v1/auth/organization/remove-member', { memberIdOrEmail: bOwner.id }],
    ] as const) {
      const response = await api('owner', 'POST', url, payload);
      expect(response.statusCode, `${url} ${response.body}`).toBe(404);
    }
    expect(
      (
        await t.services.tenancy.withPlatform((tx) =>
          tx.select().from(memberships).where(eq(memberships.id, bOwner.id)),
        )
      )[0]?.role,
    ).toBe('owner');
  });

  it('refuses list parameters better-auth would choke on, with a 400 naming them', async () => {
    for (const [query, field] of [
      ['sortBy=nope', 'sortBy'],
      ['filterField=nope', 'filterField'],
      ['sortBy=user.email', 'sortBy'],
      ['offset=-5', 'offset'],
      ['limit=abc', 'limit'],
    ] as const) {
      const response = await api('viewer', 'GET', `/v1/auth/organization/list-members?${query}`);
      expect(response.statusCode, `${query} ${response.body}`).toBe(400);
      expect(response.json()).toMatchObject({ errors: [{ in: 'querystring', field }] });
    }
    const page = await api(
      'viewer',
      'GET',
      '/v1/auth/organization/list-members?limit=2&offset=0&sortBy=createdAt',
    );
    expect(page.statusCode).toBe(200);
    expect(page.json<{ members: unknown[] }>().members).toHaveLength(2);
    const unknown = await api(
      'viewer',
      'GET',
      `/v1/auth/organization/get-invitation?id=${world.customRoleId}`,
    );
    expect(unknown.statusCode).toBe(404);
    const longEmail = await api('admin', 'POST', '/v1/auth/organization/invite-member', {
      email: `${'x'.repeat(3000)}@example.com`,
      role: 'member',
    });
    expect(longEmail.statusCode).toBe(400);
  });
});
