import type { Audit } from '#server/modules/audit/audit.service';
import {
  findOrganizationBySlug,
  findUserByEmail,
  insertMembership,
  insertOrganization,
  insertUser,
  updateUser,
  type TOrganizationRow,
  type TUserRow,
} from '#server/modules/identity/identity.repository';
import type { SettingsService } from '#server/modules/settings/settings.service';
import { newId } from '#server/platform/db/columns';
import type { Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import type { Database } from '#server/platform/db/database';
import { AppError } from '#server/platform/errors';
import type { Events } from '#server/platform/outbox/events';

export type TCreateUser = { name: string; email: string; superadmin?: boolean };
export type TCreateOrganization = { name: string; slug: string; ownerUserId: string };

export type IdentityService = {
  createUser(input: TCreateUser): Promise<TUserRow>;
  findUserByEmail(email: string): Promise<TUserRow | undefined>;
  /** Marks the user a platform superadmin with a verified email (CLI and demo seed only). */
  makeSuperadmin(userId: string): Promise<void>;
  /** Creates the organization, its owner's membership, its settings, audit entry and event, atomically. */
  createOrganization(input: TCreateOrganization): Promise<TOrganizationRow>;
  findOrganizationBySlug(slug: string): Promise<TOrganizationRow | undefined>;
};

type Deps = {
  database: Database;
  tenancy: Tenancy;
  audit: Audit;
  events: Events;
  settings: SettingsService;
};

/*
 * The accounts issue replaces most of this with better-auth on the same tables; until then it is
 * what the demo seed and the tests use to create users and organizations.
 */
export function createIdentityService({
  database,
  tenancy,
  audit,
  events,
  settings,
}: Deps): IdentityService {
  return {
    createUser: ({ name, email, superadmin }) =>
      database.transaction(async (tx) => {
        const normalized = email.trim().toLowerCase();
        if (await findUserByEmail(tx, normalized)) {
          throw new AppError('conflict', `A user with email ${normalized} already exists.`);
        }
        return insertUser(tx, { name, email: normalized, role: superadmin ? 'admin' : 'user' });
      }),

    findUserByEmail: (email) =>
      database.transaction((tx) => findUserByEmail(tx, email.trim().toLowerCase())),

    makeSuperadmin: (userId) =>
      database.transaction((tx) => updateUser(tx, userId, { role: 'admin', emailVerified: true })),

    createOrganization: ({ name, slug, ownerUserId }) => {
      const orgId = newId();
      return tenancy.withTenant(orgId, async (tx: Tx) => {
        if (await findOrganizationBySlug(tx, slug)) {
          throw new AppError('conflict', `The slug "${slug}" is taken; choose another.`);
        }
        const organization = await insertOrganization(tx, { id: orgId, name, slug });
        await insertMembership(tx, { organizationId: orgId, userId: ownerUserId, role: 'owner' });
        await settings.initialize(tx, orgId);
        await audit.record(tx, {
          orgId,
          actor: { type: 'user', id: ownerUserId },
          action: 'organization.created',
          target: { type: 'organization', id: orgId },
          after: { name, slug },
        });
        await events.emit(tx, 'organization.created', { organizationId: orgId, name, slug });
        return organization;
      });
    },

    findOrganizationBySlug: (slug) =>
      database.transaction((tx) => findOrganizationBySlug(tx, slug)),
  };
}
