import {
  permissions,
  rolePermissions,
  type TBuiltInRole,
  type TPermission,
} from '@corebase/contracts';
import { createAccessControl } from 'better-auth/plugins/access';
import { defaultStatements } from 'better-auth/plugins/organization/access';

/*
 * better-auth's organization plugin checks its own statements (`invitation: ['create']`, …) inside
 * its endpoints, while our front door checks our permissions before the call reaches it. Both
 * must agree, so its statements are derived from ours in this one place: our permissions verbatim
 * (`companies:read` → `companies: ['read']`) plus what each means in its vocabulary.
 */

/** What our permissions mean in better-auth's own statements. */
const libraryMeaning: Partial<Record<TPermission, Record<string, string[]>>> = {
  'members:manage': { member: ['create', 'update', 'delete'], invitation: ['create', 'cancel'] },
  'settings:manage': { organization: ['update'] },
  'organization:delete': { organization: ['delete'] },
};

const ourStatements = Object.fromEntries(
  [...new Set(permissions.map((p) => p.split(':')[0]!))].map((resource) => [
    resource,
    permissions.filter((p) => p.startsWith(`${resource}:`)).map((p) => p.split(':')[1]!),
  ]),
);

export const accessControl = createAccessControl({
  ...defaultStatements,
  ...ourStatements,
  organization: [...new Set([...defaultStatements.organization, ...ourStatements.organization!])],
});

/** A permission set as better-auth statements. */
export function libraryStatementsOf(list: readonly TPermission[]): Record<string, string[]> {
  const statements: Record<string, Set<string>> = {};
  const add = (resource: string, actions: string[]) => {
    const set = (statements[resource] ??= new Set());
    for (const action of actions) set.add(action);
  };
  for (const permission of list) {
    const [resource, action] = permission.split(':') as [string, string];
    add(resource, [action]);
    for (const [res, actions] of Object.entries(libraryMeaning[permission] ?? {}))
      add(res, actions);
  }
  return Object.fromEntries(Object.entries(statements).map(([k, v]) => [k, [...v]]));
}

/** As stored in organization_roles.permission, which better-auth parses. */
export const libraryPermissionOf = (list: readonly TPermission[]): string =>
  JSON.stringify(libraryStatementsOf(list));

/** The built-in roles in better-auth's access control. */
const libraryRoleOf = (role: TBuiltInRole) =>
  accessControl.newRole(libraryStatementsOf(rolePermissions[role]));
export const libraryRoles = {
  owner: libraryRoleOf('owner'),
  admin: libraryRoleOf('admin'),
  member: libraryRoleOf('member'),
  viewer: libraryRoleOf('viewer'),
} satisfies Record<TBuiltInRole, unknown>;
