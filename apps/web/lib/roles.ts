import { builtInRoles, reportKinds, rolePermissions, type TPermission } from '@corebase/contracts';

/** A role a membership can hold, as `GET /v1/roles` lists it (only the fields this app reads). */
export type TRoleOption = { name: string; builtIn: boolean; permissions: readonly string[] };

/** The four built-in roles, for when `GET /v1/roles` is missing or refuses. */
export const fallbackRoles: TRoleOption[] = builtInRoles.map((name) => ({
  name,
  builtIn: true,
  permissions: rolePermissions[name],
}));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads `{ data: [{ name, builtIn, permissions }] }` defensively: the endpoint is new, and a
 * shape this build does not know must fall back to the built-in roles, not break the page.
 */
export function parseRoleList(body: unknown): TRoleOption[] | null {
  if (!isRecord(body) || !Array.isArray(body.data)) return null;
  const roles: TRoleOption[] = [];
  for (const item of body.data) {
    if (!isRecord(item) || typeof item.name !== 'string' || item.name === '') return null;
    const permissions = Array.isArray(item.permissions)
      ? item.permissions.filter((p): p is string => typeof p === 'string')
      : [];
    roles.push({ name: item.name, builtIn: item.builtIn === true, permissions });
  }
  return roles.length > 0 ? roles : null;
}

/** better-auth stores several roles as one comma-separated string. */
export function roleNames(role: string): string[] {
  return role
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/** What the page offers the caller; the server still decides, and its refusal is shown. */
export type TCapabilities = {
  rename: boolean;
  manageMembers: boolean;
  manageSettings: boolean;
  /** List, create and revoke the organization's API keys. */
  manageApiKeys: boolean;
  /** Add, change and remove webhook endpoints; read their deliveries. */
  manageWebhooks: boolean;
  /** Ask for at least one kind of report (members:read or audit:read, by kind). */
  requestReports: boolean;
  isOwner: boolean;
  /** Roles the caller may hand out (only an owner may make someone an owner). */
  assignable: string[];
};

export function capabilitiesOf(callerRole: string, roles: readonly TRoleOption[]): TCapabilities {
  const names = roleNames(callerRole);
  const granted = new Set<string>(
    names.flatMap((name) => roles.find((role) => role.name === name)?.permissions ?? []),
  );
  const has = (permission: TPermission) => granted.has(permission);
  const isOwner = names.includes('owner');
  return {
    rename: has('settings:manage'),
    manageMembers: has('members:manage'),
    manageSettings: has('settings:manage'),
    manageApiKeys: has('apikeys:manage'),
    manageWebhooks: has('webhooks:manage'),
    requestReports: reportKinds.some((entry) => has(entry.permission)),
    isOwner,
    assignable: roles.map((role) => role.name).filter((name) => isOwner || name !== 'owner'),
  };
}

/** Whether the caller may change or remove a member holding `targetRole`. */
export function canActOn(capabilities: TCapabilities, targetRole: string): boolean {
  if (!capabilities.manageMembers) return false;
  return capabilities.isOwner || !roleNames(targetRole).includes('owner');
}
