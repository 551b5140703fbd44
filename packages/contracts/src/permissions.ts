import { z } from 'zod';

/**
 * Everything a member of an organization may be allowed to do. A route declares one of these (or
 * `public`, `authenticated`, `superadmin`, `operator`) and the request pipeline checks it.
 */
export const permissions = [
  'organization:read',
  'companies:read',
  'companies:write',
  'companies:delete',
  'members:read',
  'members:manage',
  'apikeys:manage',
  'webhooks:manage',
  'billing:manage',
  'audit:read',
  'settings:manage',
  'organization:delete',
] as const;
export type TPermission = (typeof permissions)[number];
export const ZPermission = z.enum(permissions);

/** The four roles every organization has. Custom roles pick any subset of `permissions`. */
export const builtInRoles = ['owner', 'admin', 'member', 'viewer'] as const;
export type TBuiltInRole = (typeof builtInRoles)[number];

const everything = [...permissions];

export const rolePermissions: Record<TBuiltInRole, readonly TPermission[]> = {
  /** Everything, including deleting the organization and billing. */
  owner: everything,
  /** Everything but deleting the organization. */
  admin: everything.filter((p) => p !== 'organization:delete'),
  /** Works with the organization's data; sees its members. */
  member: ['organization:read', 'companies:read', 'companies:write', 'members:read'],
  /** Reads only. */
  viewer: ['organization:read', 'companies:read', 'members:read'],
};

/**
 * Who may call a route: a permission in the active organization, or one of these. `challenge`:
 * the route takes a credential of its own instead of a session (the short-lived cookie of a
 * two-factor sign-in) or a session, and answers 401 without either.
 */
export type TRouteAccess =
  'public' | 'authenticated' | 'challenge' | 'superadmin' | 'operator' | TPermission;

/** The known permissions among `list`, in the order of `permissions`, each once. */
export const orderPermissions = (list: readonly string[]): TPermission[] =>
  permissions.filter((p) => list.includes(p));
