import { z } from 'zod';
import { deleteAuditPastRetention } from '#server/modules/audit/audit.repository';
import type { Tenancy } from '#server/platform/db/tenancy';
import { defineJob, defineSchedule, handle, type TRegisteredJob } from '#server/platform/jobs/jobs';

/** Audit entries of organization-less (platform) events are kept this long. */
export const platformAuditRetentionDays = 365;

/** Removes audit entries older than their organization's retention setting (default 365 days). */
export const applyAuditRetention = defineJob({
  name: 'audit.apply-retention',
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
});

export const auditSchedules = [
  defineSchedule({
    name: 'audit.apply-retention',
    job: applyAuditRetention,
    payload: {},
    cron: '30 3 * * *',
  }),
];

export function auditJobs({ tenancy }: { tenancy: Tenancy }): TRegisteredJob[] {
  return [
    handle(applyAuditRetention, async (_payload, { logger }) => {
      const removed = await tenancy.withMaintenance((tx) =>
        deleteAuditPastRetention(tx, platformAuditRetentionDays),
      );
      logger.info({ removed }, 'audit entries past retention removed');
    }),
  ];
}
