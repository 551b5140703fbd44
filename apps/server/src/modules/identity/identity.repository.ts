import { and, asc, eq, inArray, isNotNull, lt, ne, notInArray, sql } from 'drizzle-orm';
import {
  invitations,
  memberships,
  organizations,
  sessions,
  twoFactors,
  users,
  verifications,
} from '#server/modules/identity/identity.schema';
import type { Tx } from '#server/platform/db/database';

export type TUserRow = typeof users.$inferSelect;
export type TOrganizationRow = typeof organizations.$inferSelect;

export async function findUserByEmail(tx: Tx, email: string): Promise<TUserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.email, email)).limit(1);
  return row;
}

export async function findOrganizationBySlug(
  tx: Tx,
  slug: string,
): Promise<TOrganizationRow | undefined> {
  const [row] = await tx.select().from(organizations).where(eq(organizations.slug, slug)).limit(1);
  return row;
}

export async function insertOrganization(
  tx: Tx,
  row: typeof organizations.$inferInsert,
): Promise<TOrganizationRow> {
  const [created] = await tx.insert(organizations).values(row).returning();
  return created!;
}

export async function insertMembership(
  tx: Tx,
  row: typeof memberships.$inferInsert,
): Promise<void> {
  await tx.insert(memberships).values(row);
}

export async function updateUser(
  tx: Tx,
  id: string,
  changes: Partial<Pick<typeof users.$inferInsert, 'role' | 'emailVerified' | 'name' | 'timeZone'>>,
): Promise<void> {
  await tx.update(users).set(changes).where(eq(users.id, id));
}

export async function findMembership(
  tx: Tx,
  organizationId: string,
  userId: string,
): Promise<{ role: string; deletedAt: Date | null } | undefined> {
  const [row] = await tx
    .select({ role: memberships.role, deletedAt: organizations.deletedAt })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
    .limit(1);
  return row;
}

export async function findOrganizationById(
  tx: Tx,
  id: string,
): Promise<TOrganizationRow | undefined> {
  const [row] = await tx.select().from(organizations).where(eq(organizations.id, id)).limit(1);
  return row;
}

export async function setOrganizationDeletion(
  tx: Tx,
  id: string,
  deletion: { deletedAt: Date | null; deletedBy: string | null },
): Promise<void> {
  await tx.update(organizations).set(deletion).where(eq(organizations.id, id));
}

/** Organizations where the user is an owner and no other member is. */
export async function findSoleOwnerships(tx: Tx, userId: string): Promise<TOrganizationRow[]> {
  return tx
    .select({ organization: organizations })
    .from(organizations)
    .innerJoin(memberships, eq(memberships.organizationId, organizations.id))
    .where(
      and(
        eq(memberships.userId, userId),
        eq(memberships.role, 'owner'),
        sql`not exists (select 1 from ${memberships} other where other.organization_id = ${organizations.id} and other.role = 'owner' and other.user_id <> ${userId})`,
      ),
    )
    .then((rows) => rows.map((r) => r.organization));
}

/** Whether the user has another session from the same user agent (a device seen before). */
export async function hasOtherSessionFrom(
  tx: Tx,
  userId: string,
  exceptSessionId: string,
  userAgent: string,
): Promise<boolean> {
  const [row] = await tx
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        ne(sessions.id, exceptSessionId),
        eq(sessions.userAgent, userAgent),
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** The organizations the user belongs to, at most `limit`, oldest membership first. */
export async function findOrganizationIdsOf(
  tx: Tx,
  userId: string,
  limit: number,
): Promise<string[]> {
  const rows = await tx
    .select({ organizationId: memberships.organizationId })
    .from(memberships)
    .where(eq(memberships.userId, userId))
    .orderBy(memberships.createdAt)
    .limit(limit);
  return rows.map((r) => r.organizationId);
}

/** Removes the user's second factor: the TOTP secret and backup codes, and the flag. */
export async function deleteTwoFactorOf(tx: Tx, userId: string): Promise<boolean> {
  const removed = await tx
    .delete(twoFactors)
    .where(eq(twoFactors.userId, userId))
    .returning({ id: twoFactors.id });
  await tx.update(users).set({ twoFactorEnabled: false }).where(eq(users.id, userId));
  return removed.length > 0;
}

/** Forgets every device the user trusted to skip the second factor (better-auth's records). */
export async function deleteTrustedDevicesOf(tx: Tx, userId: string): Promise<void> {
  await tx
    .delete(verifications)
    .where(
      and(eq(verifications.value, userId), sql`${verifications.identifier} like 'trust-device-%'`),
    );
}

export async function findUserById(tx: Tx, id: string): Promise<TUserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export type TMembershipRef = { organizationId: string; role: string; userId: string };

/** A membership by its id, or by the member's email within one organization. */
export async function findMembershipRef(
  tx: Tx,
  by: { id: string } | { organizationId: string; email: string },
): Promise<TMembershipRef | undefined> {
  const [row] = await tx
    .select({
      organizationId: memberships.organizationId,
      role: memberships.role,
      userId: memberships.userId,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      'id' in by
        ? eq(memberships.id, by.id)
        : and(
            eq(memberships.organizationId, by.organizationId),
            eq(users.email, by.email.trim().toLowerCase()),
          ),
    )
    .limit(1);
  return row;
}

export type TInvitationRef = { organizationId: string; role: string | null; status: string };

/** An invitation by its id, or the pending one for an address within one organization. */
export async function findInvitationRef(
  tx: Tx,
  by: { id: string } | { organizationId: string; email: string },
): Promise<TInvitationRef | undefined> {
  const [row] = await tx
    .select({
      organizationId: invitations.organizationId,
      role: invitations.role,
      status: invitations.status,
    })
    .from(invitations)
    .where(
      'id' in by
        ? eq(invitations.id, by.id)
        : and(
            eq(invitations.organizationId, by.organizationId),
            eq(invitations.email, by.email.trim().toLowerCase()),
            eq(invitations.status, 'pending'),
          ),
    )
    .orderBy(sql`${invitations.createdAt} desc`)
    .limit(1);
  return row;
}

/** Sessions past their expiry: better-auth refuses them already; this only frees the rows. */
export async function deleteExpiredSessions(tx: Tx, now: Date): Promise<number> {
  const rows = await tx
    .delete(sessions)
    .where(lt(sessions.expiresAt, now))
    .returning({ id: sessions.id });
  return rows.length;
}

/** Verification tokens (e-mail, password reset, OAuth state) past their expiry. */
export async function deleteExpiredVerifications(tx: Tx, now: Date): Promise<number> {
  const rows = await tx
    .delete(verifications)
    .where(lt(verifications.expiresAt, now))
    .returning({ id: verifications.id });
  return rows.length;
}

/** Invitations past their expiry that were never accepted (accepted ones record who joined). */
export async function deleteExpiredInvitations(tx: Tx, now: Date): Promise<number> {
  const rows = await tx
    .delete(invitations)
    .where(and(lt(invitations.expiresAt, now), ne(invitations.status, 'accepted')))
    .returning({ id: invitations.id });
  return rows.length;
}

/** Deleted organizations whose grace period ended before `cutoff`, oldest first. */
export async function findOrganizationsToPurge(
  tx: Tx,
  cutoff: Date,
  limit: number,
  skip: readonly string[] = [],
): Promise<TOrganizationRow[]> {
  return tx
    .select()
    .from(organizations)
    .where(
      and(
        isNotNull(organizations.deletedAt),
        lt(organizations.deletedAt, cutoff),
        skip.length > 0 ? notInArray(organizations.id, [...skip]) : undefined,
      ),
    )
    .orderBy(asc(organizations.deletedAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Erases an organization; memberships, roles, invitations, settings and keys go with it (FKs). */
export async function deleteOrganization(tx: Tx, id: string): Promise<void> {
  await tx.delete(organizations).where(eq(organizations.id, id));
}

/** Owners' and admins' addresses, for notices about the organization (platform role). */
export async function findAdminEmails(
  tx: Tx,
  orgId: string,
): Promise<{ userId: string; email: string; name: string }[]> {
  return tx
    .select({ userId: users.id, email: users.email, name: users.name })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(eq(memberships.organizationId, orgId), inArray(memberships.role, ['owner', 'admin'])),
    );
}

export type TMemberListing = {
  userId: string;
  name: string;
  email: string;
  role: string;
  joinedAt: Date;
  twoFactorEnabled: boolean;
};

/** An organization's members with their account details, by name (the members report). */
export async function listMembersOf(tx: Tx, orgId: string): Promise<TMemberListing[]> {
  return tx
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      role: memberships.role,
      joinedAt: memberships.createdAt,
      twoFactorEnabled: users.twoFactorEnabled,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.organizationId, orgId))
    .orderBy(asc(users.name), asc(users.email));
}

/** Names and addresses of these users (who did what, in reports). */
export async function findUserNames(
  tx: Tx,
  ids: readonly string[],
): Promise<Map<string, { name: string; email: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(inArray(users.id, [...ids]));
  return new Map(rows.map((row) => [row.id, { name: row.name, email: row.email }]));
}
