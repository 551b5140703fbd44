import { roleCreated, roleDeleted, roleUpdated } from '@corebase/contracts';
import {
  builtInRoles,
  orderPermissions,
  rolePermissions,
  type TBuiltInRole,
  type TCreateRoleBody,
  type TPermission,
  type TUpdateRoleBody,
} from '@corebase/contracts';
import type { Audit, TAuditEntryInput } from '#server/modules/audit/audit.service';
import {
  countMembersByRole,
  countPendingInvitationsWithRole,
  countRoles,
  deleteRole,
  findRoleById,
  findRoleByName,
  insertRole,
  listRoles,
  updateRole,
  type TRoleRow,
} from '#server/modules/identity/roles.repository';
import type { Tx } from '#server/platform/db/database';
import { AppError } from '#server/platform/errors';
import type { Events } from '#server/platform/outbox/events';

export type TRoleView = {
  id: string | null;
  name: string;
  description: string | null;
  builtIn: boolean;
  permissions: TPermission[];
  memberCount: number;
  createdAt: Date | null;
  updatedAt: Date | null;
};

/** Who changes a role, and from where (for the audit entry). */
export type TRoleActor = {
  userId: string;
  /** What the actor may do: nobody grants a permission they do not hold. */
  permissions: ReadonlySet<string>;
  context?: TAuditEntryInput['context'];
};

/** Custom roles per organization; at most this many, to keep role pickers usable. */
export const maxCustomRoles = 50;

const builtInDescriptions: Record<TBuiltInRole, string> = {
  owner: 'Everything, including deleting the organization and billing.',
  admin: 'Everything but deleting the organization.',
  member: "Works with the organization's data; sees its members.",
  viewer: 'Reads only.',
};

const isBuiltIn = (name: string): name is TBuiltInRole =>
  (builtInRoles as readonly string[]).includes(name);

/** In the order of the contracts' list, whatever order they were sent in. */
const ordered = orderPermissions;

/*
 * Every function runs inside withTenant(orgId) (the audit entry is a tenant row); the roles
 * themselves are a platform table that better-auth reads too.
 */
export type RolesService = {
  /** Built-in roles first, then the organization's custom roles by name. */
  list(tx: Tx, orgId: string): Promise<TRoleView[]>;
  get(tx: Tx, orgId: string, id: string): Promise<TRoleView>;
  create(tx: Tx, orgId: string, actor: TRoleActor, body: TCreateRoleBody): Promise<TRoleView>;
  update(
    tx: Tx,
    orgId: string,
    actor: TRoleActor,
    id: string,
    body: TUpdateRoleBody,
  ): Promise<TRoleView>;
  /** Refused while a member holds the role or a pending invitation offers it. */
  remove(tx: Tx, orgId: string, actor: TRoleActor, id: string): Promise<void>;
  /**
   * Nobody acts on a role beyond their own: giving it, or changing or removing a member (or an
   * invitation) that holds it, needs every permission it has. 400 for a name the organization
   * does not have; 403 naming what the actor lacks. `doing` completes "You cannot …".
   */
  assertWithinReach(
    tx: Tx,
    orgId: string,
    actorPermissions: ReadonlySet<string>,
    role: string,
    doing: string,
  ): Promise<void>;
  /** The permissions of a role name in the organization; undefined for an unknown name. Reads
   * platform tables only, so any transaction will do (the authenticator uses withPlatform). */
  permissionsOf(tx: Tx, orgId: string, role: string): Promise<TPermission[] | undefined>;
};

export function createRolesService(deps: {
  audit: Audit;
  events: Events;
  /** The role as better-auth's access control stores it (its statements, as JSON). */
  libraryPermission: (permissions: readonly TPermission[]) => string;
}): RolesService {
  const { audit, events } = deps;
  const view = (row: TRoleRow, counts: Map<string, number>): TRoleView => ({
    id: row.id,
    name: row.role,
    description: row.description,
    builtIn: false,
    permissions: ordered(row.permissions),
    memberCount: counts.get(row.role) ?? 0,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
  const load = async (tx: Tx, orgId: string, id: string) => {
    const row = await findRoleById(tx, orgId, id);
    // Another organization's role answers exactly like one that does not exist.
    if (!row) throw new AppError('not_found', `No role ${id} in this organization.`);
    return row;
  };
  const assertGrantable = (
    actor: TRoleActor,
    wanted: readonly TPermission[],
    doing = 'grant permissions you do not hold yourself',
  ) => {
    const lacking = wanted.filter((p) => !actor.permissions.has(p));
    if (lacking.length > 0) {
      throw new AppError('forbidden', `You cannot ${doing}: ${lacking.join(', ')}.`);
    }
  };
  const permissionsOf = async (tx: Tx, orgId: string, role: string) => {
    if (isBuiltIn(role)) return [...rolePermissions[role]];
    const row = await findRoleByName(tx, orgId, role);
    return row ? ordered(row.permissions) : undefined;
  };
  const record = (
    tx: Tx,
    orgId: string,
    actor: TRoleActor,
    action: string,
    row: TRoleRow,
    change: { before?: unknown; after?: unknown },
  ) =>
    audit.record(tx, {
      orgId,
      actor: { type: 'user', id: actor.userId },
      action,
      target: { type: 'role', id: row.id },
      ...change,
      ...(actor.context ? { context: actor.context } : {}),
    });
  const snapshot = (row: TRoleRow) => ({
    name: row.role,
    description: row.description,
    permissions: ordered(row.permissions),
  });

  return {
    async list(tx, orgId) {
      const counts = await countMembersByRole(tx, orgId);
      const builtIns: TRoleView[] = builtInRoles.map((name) => ({
        id: null,
        name,
        description: builtInDescriptions[name],
        builtIn: true,
        permissions: [...rolePermissions[name]],
        memberCount: counts.get(name) ?? 0,
        createdAt: null,
        updatedAt: null,
      }));
      const custom = await listRoles(tx, orgId);
      return [...builtIns, ...custom.map((row) => view(row, counts))];
    },

    async get(tx, orgId, id) {
      const row = await load(tx, orgId, id);
      return view(row, await countMembersByRole(tx, orgId));
    },

    async create(tx, orgId, actor, body) {
      const permissions = ordered(body.permissions);
      assertGrantable(actor, permissions);
      const heldBy = (await countMembersByRole(tx, orgId)).get(body.name) ?? 0;
      if (heldBy > 0 || (await countPendingInvitationsWithRole(tx, orgId, body.name)) > 0) {
        // A name left on memberships would silently grant the new role's permissions.
        throw new AppError(
          'conflict',
          `Members or invitations still carry the role name "${body.name}": give them another role first.`,
        );
      }
      if ((await countRoles(tx, orgId)) >= maxCustomRoles) {
        throw new AppError(
          'conflict',
          `An organization has at most ${maxCustomRoles} custom roles; delete one first.`,
        );
      }
      const row = await insertRole(tx, {
        organizationId: orgId,
        role: body.name,
        description: body.description ?? null,
        permissions,
        permission: deps.libraryPermission(permissions),
      });
      if (!row) {
        throw new AppError('conflict', `A role named "${body.name}" exists already.`, {
          details: {
            errors: [{ in: 'body', field: 'name', message: 'is taken in this organization' }],
          },
        });
      }
      await record(tx, orgId, actor, 'role.created', row, { after: snapshot(row) });
      await events.emit(tx, roleCreated, { roleId: row.id, ...snapshot(row) });
      return view(row, new Map());
    },

    async update(tx, orgId, actor, id, body) {
      const before = await load(tx, orgId, id);
      // Its holders may do what the actor cannot: then it is out of the actor's reach.
      assertGrantable(
        actor,
        ordered(before.permissions),
        'change a role that can do more than you',
      );
      const permissions = body.permissions ? ordered(body.permissions) : undefined;
      if (permissions) {
        // Only what is added needs the actor to hold it: removing is always allowed.
        assertGrantable(
          actor,
          permissions.filter((p) => !before.permissions.includes(p)),
        );
      }
      const row = await updateRole(tx, id, {
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(permissions ? { permissions, permission: deps.libraryPermission(permissions) } : {}),
      });
      await record(tx, orgId, actor, 'role.updated', row, {
        before: snapshot(before),
        after: snapshot(row),
      });
      await events.emit(tx, roleUpdated, { roleId: row.id, ...snapshot(row) });
      return view(row, await countMembersByRole(tx, orgId));
    },

    async remove(tx, orgId, actor, id) {
      const row = await load(tx, orgId, id);
      assertGrantable(actor, ordered(row.permissions), 'delete a role that can do more than you');
      const holders = (await countMembersByRole(tx, orgId)).get(row.role) ?? 0;
      const invited = await countPendingInvitationsWithRole(tx, orgId, row.role);
      if (holders > 0 || invited > 0) {
        const reasons = [
          holders > 0 ? `${holders} member${holders === 1 ? '' : 's'} hold it` : '',
          invited > 0 ? `${invited} pending invitation${invited === 1 ? '' : 's'} offer it` : '',
        ].filter(Boolean);
        throw new AppError(
          'conflict',
          `The role "${row.role}" is in use (${reasons.join('; ')}): give them another role or revoke the invitations first.`,
        );
      }
      await deleteRole(tx, id);
      await record(tx, orgId, actor, 'role.deleted', row, { before: snapshot(row) });
      await events.emit(tx, roleDeleted, { roleId: row.id, name: row.role });
    },

    permissionsOf,

    async assertWithinReach(tx, orgId, actorPermissions, role, doing) {
      const granted = await permissionsOf(tx, orgId, role);
      if (!granted) {
        throw new AppError(
          'validation_failed',
          `role: this organization has no role "${role}" (see GET /v1/roles).`,
          { details: { errors: [{ in: 'body', field: 'role', message: 'is not a role here' }] } },
        );
      }
      const lacking = granted.filter((p) => !actorPermissions.has(p));
      if (lacking.length > 0) {
        throw new AppError(
          'forbidden',
          `You cannot ${doing}: the role "${role}" has permissions you do not hold (${lacking.join(', ')}).`,
        );
      }
    },
  };
}
