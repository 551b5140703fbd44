import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { apiKeys } from '#server/modules/api-keys/api-keys.schema';
import type { Tx } from '#server/platform/db/database';

export type TApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(tx: Tx, row: typeof apiKeys.$inferInsert): Promise<TApiKeyRow> {
  const [created] = await tx.insert(apiKeys).values(row).returning();
  return created!;
}

export async function listApiKeys(tx: Tx, organizationId: string): Promise<TApiKeyRow[]> {
  return tx
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.organizationId, organizationId))
    .orderBy(desc(apiKeys.createdAt));
}

export async function findApiKey(
  tx: Tx,
  organizationId: string,
  id: string,
): Promise<TApiKeyRow | undefined> {
  const [row] = await tx
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.id, id)))
    .limit(1);
  return row;
}

export async function findApiKeyByHash(tx: Tx, keyHash: string): Promise<TApiKeyRow | undefined> {
  const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).limit(1);
  return row;
}

export async function revokeApiKey(tx: Tx, id: string): Promise<TApiKeyRow> {
  const [row] = await tx
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(eq(apiKeys.id, id))
    .returning();
  return row!;
}

/**
 * Sets the last use, at most once a minute per key (a busy key would otherwise write on every
 * request). True when this was the key's first use ever.
 */
export async function touchApiKey(tx: Tx, id: string): Promise<{ firstUse: boolean } | undefined> {
  const [row] = await tx
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`)),
      ),
    )
    .returning({
      previous: sql<Date | null>`(select last_used_at from api_keys where id = ${id})`,
    });
  return row ? { firstUse: row.previous === null } : undefined;
}
