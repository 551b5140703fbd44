import type { TDeadLetterOutcome } from '@corebase/contracts';
import type { Audit } from '#server/modules/audit/audit.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import {
  deleteDeadLetters,
  findDeadLetters,
  listDeadLetters,
  type TDeadLetter,
} from '#server/platform/jobs/dead-letters';
import type { JobQueue, TJobRegistry } from '#server/platform/jobs/jobs';

export type TOperator = {
  userId: string;
  context: { ip: string; userAgent?: string; requestId: string };
};

export type DeadLettersService = {
  list(
    operator: TOperator,
    filter: {
      name?: string;
      before?: { createdAt: Date; id: string };
      limit: number;
    },
  ): Promise<TDeadLetter[]>;
  get(operator: TOperator, id: string): Promise<TDeadLetter | undefined>;
  /** Enqueues each again as a new job (its attempts start over), then removes the dead letter. */
  retry(operator: TOperator, ids: string[]): Promise<TDeadLetterOutcome>;
  discard(operator: TOperator, ids: string[]): Promise<TDeadLetterOutcome>;
};

/**
 * Dead letters for platform superadmins (they hold every tenant's payloads), read and discarded
 * inside withPlatformAdmin; every retry and discard is a platform audit entry.
 */
export function createDeadLettersService(deps: {
  tenancy: Tenancy;
  audit: Audit;
  jobs: JobQueue;
  registry: TJobRegistry;
}): DeadLettersService {
  const { tenancy, audit, jobs, registry } = deps;
  const record = (operator: TOperator, action: string, after: object) =>
    tenancy.withPlatformAdmin(operator.userId, (tx) =>
      audit.record(tx, {
        orgId: null,
        actor: { type: 'user', id: operator.userId },
        action,
        after,
        context: operator.context,
      }),
    );
  const missing = (found: TDeadLetter[], ids: string[]) =>
    ids
      .filter((id) => !found.some((letter) => letter.id === id))
      .map((id) => ({ id, reason: 'not_found' as const }));
  return {
    list: (operator, filter) =>
      tenancy.withPlatformAdmin(operator.userId, (tx) => listDeadLetters(tx, filter)),
    get: async (operator, id) =>
      (await tenancy.withPlatformAdmin(operator.userId, (tx) => findDeadLetters(tx, [id])))[0],
    async retry(operator, ids) {
      const unique = [...new Set(ids)];
      const found = await tenancy.withPlatformAdmin(operator.userId, (tx) =>
        findDeadLetters(tx, unique),
      );
      const outcome: TDeadLetterOutcome = {
        retried: [],
        discarded: [],
        skipped: missing(found, unique),
      };
      for (const letter of found) {
        const definition = registry.get(letter.name)?.definition;
        if (!definition) {
          outcome.skipped.push({ id: letter.id, reason: 'unknown_job' });
          continue;
        }
        // Enqueued first, removed after: a crash between the two leaves a duplicate to discard,
        // never a lost job. The payload is checked against today's schema on the way in.
        const { id: jobId } = await jobs.enqueue(definition, letter.payload, {
          ...(letter.dedupKey ? { dedupKey: letter.dedupKey } : {}),
        });
        await tenancy.withPlatformAdmin(operator.userId, (tx) =>
          deleteDeadLetters(tx, [letter.id]),
        );
        outcome.retried.push({ id: letter.id, jobId });
      }
      if (outcome.retried.length > 0) {
        await record(operator, 'job.dead_letters_retried', {
          deadLetters: outcome.retried,
          names: [...new Set(found.map((l) => l.name))],
        });
      }
      return outcome;
    },
    async discard(operator, ids) {
      const unique = [...new Set(ids)];
      const found = await tenancy.withPlatformAdmin(operator.userId, (tx) =>
        findDeadLetters(tx, unique),
      );
      const deleted = await tenancy.withPlatformAdmin(operator.userId, (tx) =>
        deleteDeadLetters(
          tx,
          found.map((l) => l.id),
        ),
      );
      if (deleted.length > 0) {
        await record(operator, 'job.dead_letters_discarded', {
          deadLetters: deleted,
          names: [...new Set(found.map((l) => l.name))],
        });
      }
      return { retried: [], discarded: deleted, skipped: missing(found, unique) };
    },
  };
}
