import { and, desc, eq, inArray, lt, or } from 'drizzle-orm';
import { newId } from '#server/platform/db/columns';
import type { Tx } from '#server/platform/db/database';
import { deadLetters, type TAttemptRecord } from '#server/platform/jobs/jobs.schema';

export type TDeadLetter = typeof deadLetters.$inferSelect;

export type TNewDeadLetter = {
  jobId: string;
  name: string;
  queue: string;
  payload: unknown;
  dedupKey: string | null;
  error: string;
  stack: string | null;
  attempts: number;
  history: TAttemptRecord[];
};

/** Keeps a job that used up its attempts, in the caller's (maintenance) transaction. */
export async function recordDeadLetter(tx: Tx, letter: TNewDeadLetter): Promise<string> {
  const id = newId();
  // NUL cannot be stored in text: an error may quote a value holding one.
  const clean = (text: string) => text.replaceAll('\u0000', '\uFFFD');
  await tx.insert(deadLetters).values({
    id,
    ...letter,
    error: clean(letter.error),
    stack: letter.stack === null ? null : clean(letter.stack),
    payload: letter.payload,
  });
  return id;
}

/** Newest first, `limit` at a time after the cursor (the last row of the previous page). */
export function listDeadLetters(
  tx: Tx,
  filter: { name?: string; before?: { createdAt: Date; id: string }; limit: number },
): Promise<TDeadLetter[]> {
  return tx
    .select()
    .from(deadLetters)
    .where(
      and(
        filter.name ? eq(deadLetters.name, filter.name) : undefined,
        filter.before
          ? or(
              lt(deadLetters.createdAt, filter.before.createdAt),
              and(
                eq(deadLetters.createdAt, filter.before.createdAt),
                lt(deadLetters.id, filter.before.id),
              ),
            )
          : undefined,
      ),
    )
    .orderBy(desc(deadLetters.createdAt), desc(deadLetters.id))
    .limit(filter.limit);
}

export async function findDeadLetters(tx: Tx, ids: string[]): Promise<TDeadLetter[]> {
  if (ids.length === 0) return [];
  return tx.select().from(deadLetters).where(inArray(deadLetters.id, ids));
}

/** Removes dead letters (discarded, or retried as new jobs); answers the ids that existed. */
export async function deleteDeadLetters(tx: Tx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const deleted = await tx
    .delete(deadLetters)
    .where(inArray(deadLetters.id, ids))
    .returning({ id: deadLetters.id });
  return deleted.map((row) => row.id);
}

export async function countDeadLetters(tx: Tx): Promise<number> {
  return tx.$count(deadLetters);
}
