import { and, eq, ne, sql } from 'drizzle-orm';
import {
  memberships,
  organizations,
  sessions,
  users,
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
  changes: Partial<Pick<typeof users.$inferInsert, 'role' | 'emailVerified' | 'name'>>,
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
