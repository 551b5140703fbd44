import { permissions } from '@corebase/contracts';
import { describe, expect, it } from 'vitest';

import { groupPermissions, parseCreateRole, parseUpdateRole } from './role-form';

describe('groupPermissions', () => {
  it('groups every permission by its resource, once each', () => {
    const groups = groupPermissions();
    expect(groups.flatMap((group) => group.permissions).sort()).toEqual([...permissions].sort());
    expect(groups.find((group) => group.resource === 'organization')?.permissions).toEqual([
      'organization:read',
      'organization:delete',
    ]);
    expect(groups.find((group) => group.resource === 'companies')?.permissions).toEqual([
      'companies:read',
      'companies:write',
      'companies:delete',
    ]);
  });
});

describe('parseCreateRole', () => {
  it('accepts a valid role and leaves out an empty description', () => {
    expect(
      parseCreateRole({ name: ' auditor ', description: ' ', permissions: ['audit:read'] }),
    ).toEqual({ ok: true, body: { name: 'auditor', permissions: ['audit:read'] } });
  });

  it('names the field the contract refuses', () => {
    const built = parseCreateRole({ name: 'admin', description: '', permissions: [] });
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.errors.name).toMatch(/built-in roles/);
    const bad = parseCreateRole({ name: 'Bad Name', description: '', permissions: ['nope'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.name).toMatch(/^Expected 2 to 40 lower-case/);
      expect(bad.errors.permissions).toBeDefined();
    }
  });
});

describe('parseUpdateRole', () => {
  it('clears an emptied description', () => {
    expect(parseUpdateRole({ description: '', permissions: ['companies:read'] })).toEqual({
      ok: true,
      body: { description: null, permissions: ['companies:read'] },
    });
  });
});
