import type { Tx } from '#server/platform/db/database';
import { jobEffects } from '#server/platform/jobs/jobs.schema';

/**
 * Runs `effect` in `tx` only if no earlier transaction applied the effect keyed `key` (a job's
 * dedup key, `<event id>:<job name>` for event subscribers). Jobs run at least once — again after
 * a worker died mid-job or Redis lost its data — so a database effect that must happen once is
 * wrapped in this, in the same transaction as the effect: the key commits with it or not at all.
 * A second run waits on the first's key and then skips. Answers whether the effect ran.
 */
export async function applyOnce(
  tx: Tx,
  key: string,
  effect: () => Promise<void>,
): Promise<boolean> {
  // No RETURNING: the application role may insert keys but not read them (no cross-tenant reads).
  const result: unknown = await tx.insert(jobEffects).values({ key }).onConflictDoNothing();
  const { rowCount, affectedRows } = result as { rowCount?: number | null; affectedRows?: number };
  if ((rowCount ?? affectedRows ?? 0) === 0) return false;
  await effect();
  return true;
}
