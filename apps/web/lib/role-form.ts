import {
  permissions,
  ZCreateRoleBody,
  ZUpdateRoleBody,
  type TCreateRoleBody,
  type TPermission,
  type TUpdateRoleBody,
} from '@corebase/contracts';

/** Permissions that share a resource ("companies:read", "companies:write"), in contract order. */
export type TPermissionGroup = { resource: string; permissions: TPermission[] };

export function groupPermissions(list: readonly TPermission[] = permissions): TPermissionGroup[] {
  const groups: TPermissionGroup[] = [];
  for (const permission of list) {
    const resource = permission.split(':')[0] ?? permission;
    const group = groups.find((candidate) => candidate.resource === resource);
    if (group) group.permissions.push(permission);
    else groups.push({ resource, permissions: [permission] });
  }
  return groups;
}

export type TRoleFormInput = { name?: string; description: string; permissions: string[] };
export type TRoleFormErrors = Partial<Record<'name' | 'description' | 'permissions', string>>;

type TParsed<T> = { ok: true; body: T } | { ok: false; errors: TRoleFormErrors };

function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1) + (message.endsWith('.') ? '' : '.');
}

function errorsOf(issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  const errors: TRoleFormErrors = {};
  for (const issue of issues) {
    const field = issue.path[0];
    if (field === 'name' || field === 'description' || field === 'permissions') {
      errors[field] ??= sentence(issue.message);
    }
  }
  return errors;
}

/** The new-role form checked with the contract's own schema, so the server's rules show first. */
export function parseCreateRole(input: TRoleFormInput): TParsed<TCreateRoleBody> {
  const description = input.description.trim();
  const result = ZCreateRoleBody.safeParse({
    name: (input.name ?? '').trim(),
    permissions: input.permissions,
    ...(description ? { description } : {}),
  });
  return result.success
    ? { ok: true, body: result.data }
    : { ok: false, errors: errorsOf(result.error.issues) };
}

/** An edit always sends both fields; an emptied description clears it (null). */
export function parseUpdateRole(input: TRoleFormInput): TParsed<TUpdateRoleBody> {
  const description = input.description.trim();
  const result = ZUpdateRoleBody.safeParse({
    description: description || null,
    permissions: input.permissions,
  });
  return result.success
    ? { ok: true, body: result.data }
    : { ok: false, errors: errorsOf(result.error.issues) };
}
