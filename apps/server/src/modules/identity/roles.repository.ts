import { and, asc, eq, sql } from 'drizzle-orm';
import {
  invitations,
  memberships,
  organizationRoles,
} from '#server/modules/identity/identity.schema';
import type { Tx } from '#server/platform/db/database';

export type TRoleRow = typeof organizationRoles.$inferSelect;

export async function listRoles(tx: Tx, organizationId: string): Promise<TRoleRow[]> {
  return tx
    .select()
    .from(organizationRoles)
    .where(eq(organizationRoles.organizationId, organizationId))
    .orderBy(asc(organizationRoles.role));
}

export async function findRoleById(
  tx: Tx,
  organizationId: string,
  id: string,
): Promise<TRoleRow | undefined> {
  const [row] = await tx
    .select()
    .from(organizationRoles)
    .where(and(eq(organizationRoles.organizationId, organizationId), eq(organizationRoles.id, id)))
    .limit(1);
  return row;
}

export async function findRoleByName(
  tx: Tx,
  organizationId: string,
  role: string,
): Promise<TRoleRow | undefined> {
  const [row] = await tx
    .select()
    .from(organizationRoles)
    .where(
      and(eq(organizationRoles.organizationId, organizationId), eq(organizationRoles.role, role)),
    )
    .limit(1);
  return row;
}

export async function countRoles(tx: Tx, organizationId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(organizationRoles)
    .where(eq(organizationRoles.organizationId, organizationId));
  return row?.n ?? 0;
}

/** Inserts unless the name is taken in the organization; undefined when it was. */
export async function insertRole(
  tx: Tx,
  row: typeof organizationRoles.$inferInsert,
): Promise<TRoleRow | undefined> {
  const [created] = await tx
    .insert(organizationRoles)
    .values(row)
    .onConflictDoNothing()
    .returning();
  return created;
}

export async function updateRole(
  tx: Tx,
  id: string,
  changes: Partial<Pick<TRoleRow, 'description' | 'permissions' | 'permission'>>,
): Promise<TRoleRow> {
  const [updated] = await tx
    .update(organizationRoles)
    .set(changes)
    .where(eq(organizationRoles.id, id))
    .returning();
  return updated!;
}

export async function deleteRole(tx: Tx, id: string): Promise<void> {
  await tx.delete(organizationRoles).where(eq(organizationRoles.id, id));
}

/** How many members hold each role in the organization. */
export async function countMembersByRole(
  tx: Tx,
  organizationId: string,
): Promise<Map<string, number>> {
  const rows = await tx
    .select({ role: memberships.role, n: sql<number>`count(*)::int` })
    .from(memberships)
    .where(eq(memberships.organizationId, organizationId))
    .groupBy(memberships.role);
  return new Map(rows.map((r) => [r.role, r.n]));
}

export async function countPendingInvitationsWithRole(
  tx: Tx,
  organizationId: string,
  role: string,
): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(invitations)
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        eq(invitations.role, role),
        eq(invitations.status, 'pending'),
        sql`${invitations.expiresAt} > now()`,
      ),
    );
  return row?.n ?? 0;
}
