import { and, inArray, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tenancy } from '#server/platform/db/tenancy';
import { defineJob, defineSchedule, handle, type TRegisteredJob } from '#server/platform/jobs/jobs';
import { jobEffects, jobs } from '#server/platform/jobs/jobs.schema';
import { outbox } from '#server/platform/outbox/outbox.schema';

/** Removes finished job rows, delivered outbox events and effect keys past JOBS_RETENTION_DAYS. */
export const purgeJobRecords = defineJob({
  name: 'jobs.purge-finished',
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
});

export const retentionSchedules = [
  defineSchedule({
    name: 'jobs.purge-finished',
    job: purgeJobRecords,
    payload: {},
    cron: '45 * * * *',
  }),
];

export function retentionJobs({
  tenancy,
  retentionDays,
}: {
  tenancy: Tenancy;
  retentionDays: number;
}): TRegisteredJob[] {
  return [
    handle(purgeJobRecords, async (_payload, { logger }) => {
      const cutoff = sql`now() - make_interval(days => ${retentionDays})`;
      const removed = await tenancy.withMaintenance(async (tx) => {
        const finished = await tx
          .delete(jobs)
          .where(and(inArray(jobs.status, ['completed', 'failed']), lt(jobs.finishedAt, cutoff)))
          .returning({ id: jobs.id });
        const events = await tx
          .delete(outbox)
          .where(and(inArray(outbox.status, ['delivered']), lt(outbox.deliveredAt, cutoff)))
          .returning({ id: outbox.id });
        const effects = await tx
          .delete(jobEffects)
          .where(lt(jobEffects.createdAt, cutoff))
          .returning({ key: jobEffects.key });
        return { jobs: finished.length, events: events.length, effects: effects.length };
      });
      logger.info(removed, 'job records past retention removed');
    }),
  ];
}
