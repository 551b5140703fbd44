import { createHmac } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { signInFailures } from '#server/modules/identity/identity.schema';
import type { Tenancy } from '#server/platform/db/tenancy';

export type Lockout = {
  /** When the address is locked, until when; undefined otherwise. */
  lockedUntil(email: string): Promise<Date | undefined>;
  /** Counts a failed sign-in; the threshold-th failure locks the address. */
  recordFailure(email: string): Promise<void>;
  /** A successful sign-in or a password reset clears the count and any lock. */
  clear(email: string): Promise<void>;
};

/**
 * Temporary lock of an email address after repeated failed sign-ins. Unlocked by time, or by
 * email: resetting the password (a link only the mailbox owner receives) clears it.
 */
export function createLockout(deps: {
  tenancy: Tenancy;
  secret: string;
  threshold: number;
  lockMinutes: number;
}): Lockout {
  const keyOf = (email: string) =>
    createHmac('sha256', deps.secret).update(`sign-in:${email.trim().toLowerCase()}`).digest('hex');
  return {
    lockedUntil: (email) =>
      deps.tenancy.withPlatform(async (tx) => {
        const [row] = await tx
          .select({ lockedUntil: signInFailures.lockedUntil })
          .from(signInFailures)
          .where(eq(signInFailures.emailHash, keyOf(email)));
        return row?.lockedUntil && row.lockedUntil > new Date() ? row.lockedUntil : undefined;
      }),

    recordFailure: (email) =>
      deps.tenancy.withPlatform(async (tx) => {
        // One statement, so concurrent failures cannot both read the same count.
        await tx
          .insert(signInFailures)
          .values({ emailHash: keyOf(email), failures: 1 })
          .onConflictDoUpdate({
            target: signInFailures.emailHash,
            set: {
              failures: sql`case when ${signInFailures.failures} + 1 >= ${deps.threshold} then 0 else ${signInFailures.failures} + 1 end`,
              lockedUntil: sql`case when ${signInFailures.failures} + 1 >= ${deps.threshold} then now() + make_interval(mins => ${deps.lockMinutes}) else ${signInFailures.lockedUntil} end`,
              updatedAt: sql`now()`,
            },
          });
      }),

    clear: (email) =>
      deps.tenancy.withPlatform(async (tx) => {
        await tx.delete(signInFailures).where(eq(signInFailures.emailHash, keyOf(email)));
      }),
  };
}
