import { z } from 'zod';
import { atLeastOneField } from './at-least-one.ts';
import { builtInRoles, ZPermission } from './permissions.ts';

/** A custom role's name: what a membership's `role` holds, so it is short, lower-case, stable. */
export const ZRoleName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{1,39}$/,
    'expected 2 to 40 lower-case letters, digits, - or _, starting with a letter',
  )
  .refine((name) => !(builtInRoles as readonly string[]).includes(name), {
    message: `owner, admin, member and viewer are built-in roles; choose another name`,
  });

export const ZRole = z.object({
  /** null for a built-in role. */
  id: z.uuid().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  builtIn: z.boolean(),
  permissions: z.array(ZPermission),
  /** Members holding the role now. */
  memberCount: z.number().int(),
  createdAt: z.iso.datetime({ offset: true }).nullable(),
  updatedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type TRole = z.infer<typeof ZRole>;

export const ZRoleList = z.object({ data: z.array(ZRole) });

const permissionSet = z
  .array(ZPermission)
  .max(ZPermission.options.length)
  .refine((list) => new Set(list).size === list.length, { message: 'lists a permission twice' });

export const ZCreateRoleBody = z.object({
  name: ZRoleName,
  description: z.string().trim().max(500).optional(),
  permissions: permissionSet,
});
export type TCreateRoleBody = z.infer<typeof ZCreateRoleBody>;

export const ZUpdateRoleBody = atLeastOneField(
  z.object({
    description: z.string().trim().max(500).nullable().optional(),
    permissions: permissionSet.optional(),
  }),
  'send description or permissions',
);
export type TUpdateRoleBody = z.infer<typeof ZUpdateRoleBody>;

export const ZRoleParams = z.object({ id: z.uuid() });
