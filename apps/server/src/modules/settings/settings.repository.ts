import { organizationSettings } from '#server/modules/settings/settings.schema';
import type { Tx } from '#server/platform/db/database';

export async function insertDefaultSettings(tx: Tx, orgId: string): Promise<void> {
  await tx.insert(organizationSettings).values({ orgId }).onConflictDoNothing();
}
