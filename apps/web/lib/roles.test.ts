import { describe, expect, it } from 'vitest';

import { canActOn, capabilitiesOf, fallbackRoles, parseRoleList, roleNames } from './roles';

describe('parseRoleList', () => {
  it('reads the roles answer, custom roles included', () => {
    const roles = parseRoleList({
      data: [
        { id: null, name: 'owner', builtIn: true, permissions: ['members:manage'] },
        { id: '0190', name: 'auditor', builtIn: false, permissions: ['audit:read'] },
      ],
    });
    expect(roles).toEqual([
      { name: 'owner', builtIn: true, permissions: ['members:manage'] },
      { name: 'auditor', builtIn: false, permissions: ['audit:read'] },
    ]);
  });

  it('gives up on a shape it does not know, so the page falls back', () => {
    expect(parseRoleList(null)).toBeNull();
    expect(parseRoleList({ data: [] })).toBeNull();
    expect(parseRoleList({ data: [{ permissions: [] }] })).toBeNull();
    expect(parseRoleList([{ name: 'owner' }])).toBeNull();
  });
});

describe('capabilitiesOf', () => {
  it('lets an owner do everything and hand out every role', () => {
    const owner = capabilitiesOf('owner', fallbackRoles);
    expect(owner).toMatchObject({
      rename: true,
      manageMembers: true,
      manageApiKeys: true,
      manageWebhooks: true,
      isOwner: true,
    });
    expect(owner.assignable).toEqual(['owner', 'admin', 'member', 'viewer']);
  });

  it('keeps an admin away from the owner role and from owners', () => {
    const admin = capabilitiesOf('admin', fallbackRoles);
    expect(admin).toMatchObject({ rename: true, manageMembers: true, isOwner: false });
    expect(admin.assignable).toEqual(['admin', 'member', 'viewer']);
    expect(canActOn(admin, 'owner')).toBe(false);
    expect(canActOn(admin, 'member')).toBe(true);
  });

  it('gives members and viewers no management actions', () => {
    for (const role of ['member', 'viewer', 'unknown-role']) {
      const caps = capabilitiesOf(role, fallbackRoles);
      expect(caps.rename || caps.manageMembers || caps.manageApiKeys || caps.manageWebhooks).toBe(
        false,
      );
      expect(canActOn(caps, 'viewer')).toBe(false);
    }
  });

  it('offers reports to every built-in role, and not to a role with neither permission', () => {
    for (const role of ['owner', 'admin', 'member', 'viewer']) {
      expect(capabilitiesOf(role, fallbackRoles).requestReports).toBe(true);
    }
    const roles = [
      ...fallbackRoles,
      { name: 'billing', builtIn: false, permissions: ['billing:manage'] },
    ];
    expect(capabilitiesOf('billing', roles).requestReports).toBe(false);
  });

  it('unites the permissions of a comma-separated role', () => {
    expect(roleNames(' member, admin ')).toEqual(['member', 'admin']);
    expect(capabilitiesOf('member,admin', fallbackRoles).manageMembers).toBe(true);
  });

  it('reads a custom role from the roles answer', () => {
    const roles = [
      ...fallbackRoles,
      { name: 'people-ops', builtIn: false, permissions: ['members:manage'] },
    ];
    expect(capabilitiesOf('people-ops', roles)).toMatchObject({
      manageMembers: true,
      rename: false,
    });
  });
});
