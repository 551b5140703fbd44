import {
  memberTwoFactorReset,
  organizationCreated,
  organizationDeletionScheduled,
  organizationRestored,
} from '@corebase/contracts';
import type { Audit, TAuditEntryInput } from '#server/modules/audit/audit.service';
import type { RolesService } from '#server/modules/identity/roles.service';
import {
  findMembership,
  findOrganizationById,
  findOrganizationBySlug,
  deleteTrustedDevicesOf,
  deleteTwoFactorOf,
  findOrganizationIdsOf,
  findSoleOwnerships,
  findInvitationRef,
  findMembershipRef,
  findUserById,
  findUserNames,
  listMembersOf,
  type TMemberListing,
  type TInvitationRef,
  type TMembershipRef,
  findUserByEmail,
  hasOtherSessionFrom,
  insertMembership,
  insertOrganization,
  setOrganizationDeletion,
  updateUser,
  type TOrganizationRow,
  type TUserRow,
} from '#server/modules/identity/identity.repository';
import type { SettingsService } from '#server/modules/settings/settings.service';
import type { Tx } from '#server/platform/db/database';
import { AppError } from '#server/platform/errors';
import type { Events } from '#server/platform/outbox/events';

export type TCreateOrganization = { id: string; name: string; slug: string; ownerUserId: string };

/*
 * Users and organizations outside better-auth's own endpoints (the demo seed, the CLI). Every
 * function takes the caller's transaction: tenancy.withPlatform for users, withTenant(org) for
 * what touches an organization's tenant tables.
 */
export type IdentityService = {
  findUserByEmail(tx: Tx, email: string): Promise<TUserRow | undefined>;
  findUserById(tx: Tx, id: string): Promise<TUserRow | undefined>;
  /** An organization's members with their account details, by name (reports). */
  listMembers(tx: Tx, orgId: string): Promise<TMemberListing[]>;
  /** Names and addresses of these users. */
  userNames(tx: Tx, ids: readonly string[]): Promise<Map<string, { name: string; email: string }>>;
  /** The user's time zone (IANA, checked by the caller), as update-user would set it. */
  setTimeZone(tx: Tx, userId: string, timeZone: string): Promise<void>;
  /** Marks the user a platform superadmin with a verified email (CLI and demo seed only). */
  makeSuperadmin(tx: Tx, userId: string): Promise<void>;
  findOrganizationBySlug(tx: Tx, slug: string): Promise<TOrganizationRow | undefined>;
  /** Whether the user signed in before from this user agent (another live session has it). */
  hasOtherSessionFrom(
    tx: Tx,
    userId: string,
    exceptSessionId: string,
    userAgent: string,
  ): Promise<boolean>;
  /** A membership by id, or by the member's email in an organization (any transaction). */
  findMembershipRef(
    tx: Tx,
    by: { id: string } | { organizationId: string; email: string },
  ): Promise<TMembershipRef | undefined>;
  /** An invitation by id, or the pending one for an address in an organization. */
  findInvitationRef(
    tx: Tx,
    by: { id: string } | { organizationId: string; email: string },
  ): Promise<TInvitationRef | undefined>;
  /** The user's organization when they have exactly one. */
  findOnlyOrganization(tx: Tx, userId: string): Promise<string | undefined>;
  /** Organizations that would be left without an owner if this user went. */
  findSoleOwnerships(tx: Tx, userId: string): Promise<TOrganizationRow[]>;
  /** The user's role in the organization and whether it is being deleted; undefined: not a member. */
  findMembership(
    tx: Tx,
    organizationId: string,
    userId: string,
  ): Promise<{ role: string; deletedAt: Date | null } | undefined>;
  /**
   * Inside withTenant(orgId): turns off a member's second factor (they set it up again at their
   * next sign-in), forgets their trusted devices, audited. Refused for oneself, for a member
   * whose role can do what the actor cannot, and for a member without one. Its event has the
   * member told (the notifications job).
   */
  resetMemberTwoFactor(
    tx: Tx,
    input: {
      orgId: string;
      actor: {
        userId: string;
        permissions: ReadonlySet<string>;
        context?: TAuditEntryInput['context'];
      };
      memberUserId: string;
    },
  ): Promise<void>;
  /** Inside withTenant(orgId): the organization as its members see it. */
  getOrganization(tx: Tx, orgId: string): Promise<TOrganizationView>;
  /**
   * Inside withTenant(orgId): schedules the deletion (restorable for the grace period), after the
   * caller typed the slug to confirm.
   */
  scheduleDeletion(
    tx: Tx,
    input: { orgId: string; userId: string; confirm: string },
  ): Promise<TOrganizationView>;
  /** Inside withTenant(orgId): cancels a scheduled deletion. */
  restore(tx: Tx, input: { orgId: string; userId: string }): Promise<TOrganizationView>;
  /**
   * Inside withTenant(input.id): the organization, its owner's membership, its settings, an
   * audit entry and an `organization.created` event, all in the caller's transaction.
   */
  createOrganization(tx: Tx, input: TCreateOrganization): Promise<TOrganizationRow>;
  /**
   * Inside withTenant(input.id), for an organization better-auth has just created with its
   * owner's membership (its hook records the audit entry): settings and the event.
   */
  completeOrganization(tx: Tx, input: TCreateOrganization): Promise<void>;
};

export type TOrganizationView = {
  id: string;
  name: string;
  slug: string;
  createdAt: Date;
  deletedAt: Date | null;
  /** When a scheduled deletion becomes final (the purge job removes the data). */
  purgeAfter: Date | null;
};

type Deps = {
  audit: Audit;
  events: Events;
  settings: SettingsService;
  roles: Pick<RolesService, 'permissionsOf'>;
  graceDays: number;
};

export function createIdentityService({
  audit,
  events,
  settings,
  roles,
  graceDays,
}: Deps): IdentityService {
  const view = (org: TOrganizationRow): TOrganizationView => ({
    id: org.id,
    name: org.name,
    slug: org.slug,
    createdAt: org.createdAt,
    deletedAt: org.deletedAt,
    purgeAfter: org.deletedAt ? new Date(org.deletedAt.getTime() + graceDays * 86_400_000) : null,
  });
  /** What every new organization gets, however it was created: settings and the event. */
  const setUp = async (tx: Tx, { id, name, slug }: { id: string; name: string; slug: string }) => {
    await settings.initialize(tx, id);
    await events.emit(tx, organizationCreated, { organizationId: id, name, slug });
  };
  const load = async (tx: Tx, orgId: string) => {
    const org = await findOrganizationById(tx, orgId);
    if (!org) throw new AppError('not_found', 'This organization does not exist.');
    return org;
  };
  return {
    findUserByEmail: (tx, email) => findUserByEmail(tx, email.trim().toLowerCase()),

    findUserById,

    listMembers: listMembersOf,

    userNames: findUserNames,

    setTimeZone: (tx, userId, timeZone) => updateUser(tx, userId, { timeZone }),

    makeSuperadmin: (tx, userId) => updateUser(tx, userId, { role: 'admin', emailVerified: true }),

    findOrganizationBySlug,

    findMembership,

    getOrganization: async (tx, orgId) => view(await load(tx, orgId)),

    async resetMemberTwoFactor(tx, { orgId, actor, memberUserId }) {
      if (memberUserId === actor.userId) {
        throw new AppError(
          'conflict',
          'Turn off your own two-factor authentication with your password (POST /v1/auth/two-factor/disable).',
        );
      }
      const membership = await findMembership(tx, orgId, memberUserId);
      if (!membership) {
        throw new AppError('not_found', `No member ${memberUserId} in this organization.`);
      }
      const theirs = (await roles.permissionsOf(tx, orgId, membership.role)) ?? [];
      const beyond = theirs.filter((p) => !actor.permissions.has(p));
      if (beyond.length > 0) {
        throw new AppError(
          'forbidden',
          `This member's role (${membership.role}) can do what you cannot (${beyond.join(', ')}): ask someone who holds those permissions.`,
        );
      }
      if (!(await deleteTwoFactorOf(tx, memberUserId))) {
        throw new AppError('conflict', 'This member has no two-factor authentication to reset.');
      }
      await deleteTrustedDevicesOf(tx, memberUserId);
      await audit.record(tx, {
        orgId,
        actor: { type: 'user', id: actor.userId },
        action: 'member.two_factor_reset',
        target: { type: 'user', id: memberUserId },
        ...(actor.context ? { context: actor.context } : {}),
      });
      await events.emit(tx, memberTwoFactorReset, {
        organizationId: orgId,
        userId: memberUserId,
        byUserId: actor.userId,
      });
    },

    async scheduleDeletion(tx, { orgId, userId, confirm }) {
      const org = await load(tx, orgId);
      if (org.deletedAt)
        throw new AppError('conflict', 'This organization is already scheduled for deletion.');
      if (confirm !== org.slug) {
        throw new AppError(
          'validation_failed',
          `Type the organization's slug (${org.slug}) to confirm.`,
          {
            details: {
              errors: [{ in: 'body', field: 'confirm', message: `must equal ${org.slug}` }],
            },
          },
        );
      }
      const deletedAt = new Date();
      await setOrganizationDeletion(tx, orgId, { deletedAt, deletedBy: userId });
      const result = view({ ...org, deletedAt });
      await audit.record(tx, {
        orgId,
        actor: { type: 'user', id: userId },
        action: 'organization.deletion_scheduled',
        target: { type: 'organization', id: orgId },
        after: { purgeAfter: result.purgeAfter?.toISOString() },
      });
      await events.emit(tx, organizationDeletionScheduled, {
        organizationId: orgId,
        purgeAfter: result.purgeAfter?.toISOString(),
      });
      return result;
    },

    async restore(tx, { orgId, userId }) {
      const org = await load(tx, orgId);
      if (!org.deletedAt)
        throw new AppError('conflict', 'This organization is not scheduled for deletion.');
      await setOrganizationDeletion(tx, orgId, { deletedAt: null, deletedBy: null });
      await audit.record(tx, {
        orgId,
        actor: { type: 'user', id: userId },
        action: 'organization.restored',
        target: { type: 'organization', id: orgId },
      });
      await events.emit(tx, organizationRestored, { organizationId: orgId });
      return view({ ...org, deletedAt: null });
    },

    findSoleOwnerships,

    findMembershipRef,

    findInvitationRef,

    async findOnlyOrganization(tx, userId) {
      const ids = await findOrganizationIdsOf(tx, userId, 2);
      return ids.length === 1 ? ids[0] : undefined;
    },

    hasOtherSessionFrom,

    async createOrganization(tx, { id, name, slug, ownerUserId }) {
      if (await findOrganizationBySlug(tx, slug)) {
        throw new AppError('conflict', `The slug "${slug}" is taken; choose another.`);
      }
      const organization = await insertOrganization(tx, { id, name, slug });
      await insertMembership(tx, { organizationId: id, userId: ownerUserId, role: 'owner' });
      await setUp(tx, { id, name, slug });
      await audit.record(tx, {
        orgId: id,
        actor: { type: 'user', id: ownerUserId },
        action: 'organization.created',
        target: { type: 'organization', id },
        after: { name, slug },
      });
      return organization;
    },

    completeOrganization: (tx, { id, name, slug }) => setUp(tx, { id, name, slug }),
  };
}
