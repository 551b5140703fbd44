import type { Audit } from '#server/modules/audit/audit.service';
import {
  findMembershipRole,
  findOrganizationBySlug,
  findSoleOwnerships,
  findUserByEmail,
  insertMembership,
  insertOrganization,
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
  /** Marks the user a platform superadmin with a verified email (CLI and demo seed only). */
  makeSuperadmin(tx: Tx, userId: string): Promise<void>;
  findOrganizationBySlug(tx: Tx, slug: string): Promise<TOrganizationRow | undefined>;
  /** Organizations that would be left without an owner if this user went. */
  findSoleOwnerships(tx: Tx, userId: string): Promise<TOrganizationRow[]>;
  /** The user's role in the organization, or undefined when not a member. */
  findMembershipRole(tx: Tx, organizationId: string, userId: string): Promise<string | undefined>;
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

type Deps = { audit: Audit; events: Events; settings: SettingsService };

export function createIdentityService({ audit, events, settings }: Deps): IdentityService {
  return {
    findUserByEmail: (tx, email) => findUserByEmail(tx, email.trim().toLowerCase()),

    makeSuperadmin: (tx, userId) => updateUser(tx, userId, { role: 'admin', emailVerified: true }),

    findOrganizationBySlug,

    findMembershipRole,

    findSoleOwnerships,

    async createOrganization(tx, { id, name, slug, ownerUserId }) {
      if (await findOrganizationBySlug(tx, slug)) {
        throw new AppError('conflict', `The slug "${slug}" is taken; choose another.`);
      }
      const organization = await insertOrganization(tx, { id, name, slug });
      await insertMembership(tx, { organizationId: id, userId: ownerUserId, role: 'owner' });
      await settings.initialize(tx, id);
      await audit.record(tx, {
        orgId: id,
        actor: { type: 'user', id: ownerUserId },
        action: 'organization.created',
        target: { type: 'organization', id },
        after: { name, slug },
      });
      await events.emit(tx, 'organization.created', { organizationId: id, name, slug });
      return organization;
    },

    async completeOrganization(tx, { id, name, slug }) {
      await settings.initialize(tx, id);
      await events.emit(tx, 'organization.created', { organizationId: id, name, slug });
    },
  };
}
