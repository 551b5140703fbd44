import { eq } from 'drizzle-orm';
import { organizationSettings } from '#server/modules/settings/settings.schema';
import type { Tx } from '#server/platform/db/database';

export type TSettingsRow = typeof organizationSettings.$inferSelect;

export async function insertDefaultSettings(tx: Tx, orgId: string): Promise<void> {
  await tx.insert(organizationSettings).values({ orgId }).onConflictDoNothing();
}

/** Under RLS the row of the transaction's organization is the only one it can see. */
export async function findSettings(tx: Tx, orgId: string): Promise<TSettingsRow | undefined> {
  const [row] = await tx
    .select()
    .from(organizationSettings)
    .where(eq(organizationSettings.orgId, orgId))
    .limit(1);
  return row;
}

export async function updateSettings(
  tx: Tx,
  orgId: string,
  changes: Partial<Pick<TSettingsRow, 'auditRetentionDays' | 'requireTwoFactor'>>,
): Promise<TSettingsRow> {
  const [row] = await tx
    .update(organizationSettings)
    .set(changes)
    .where(eq(organizationSettings.orgId, orgId))
    .returning();
  return row!;
}
