import { organizationPurged } from '@corebase/contracts';
import { z } from 'zod';
import { deleteAuditOf } from '#server/modules/audit/audit.repository';
import type { Audit } from '#server/modules/audit/audit.service';
import {
  deleteExpiredInvitations,
  deleteExpiredSessions,
  deleteExpiredVerifications,
  deleteOrganization,
  findOrganizationsToPurge,
} from '#server/modules/identity/identity.repository';
import type { Tenancy } from '#server/platform/db/tenancy';
import { defineJob, defineSchedule, handle, type TRegisteredJob } from '#server/platform/jobs/jobs';
import type { Events } from '#server/platform/outbox/events';

/** Removes sessions, verification tokens and unaccepted invitations past their expiry. */
export const purgeExpiredCredentials = defineJob({
  name: 'identity.purge-expired',
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
});

/** Erases organizations whose deletion grace period (ORG_DELETION_GRACE_DAYS) has ended. */
export const purgeDeletedOrganizations = defineJob({
  name: 'identity.purge-organizations',
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
});

export const identitySchedules = [
  defineSchedule({
    name: 'identity.purge-expired',
    job: purgeExpiredCredentials,
    payload: {},
    cron: '*/15 * * * *',
  }),
  defineSchedule({
    name: 'identity.purge-organizations',
    job: purgeDeletedOrganizations,
    payload: {},
    cron: '5 * * * *',
  }),
];

type TDeps = {
  tenancy: Tenancy;
  audit: Audit;
  events: Events;
  graceDays: number;
  clock?: () => Date;
};

/** Organizations purged per transaction: each is erased and recorded on its own. */
const purgeBatch = 1;

export function identityJobs({
  tenancy,
  audit,
  events,
  graceDays,
  clock,
}: TDeps): TRegisteredJob[] {
  const now = () => clock?.() ?? new Date();
  return [
    handle(purgeExpiredCredentials, async (_payload, { logger }) => {
      const removed = await tenancy.withMaintenance(async (tx) => {
        const at = now();
        return {
          sessions: await deleteExpiredSessions(tx, at),
          verifications: await deleteExpiredVerifications(tx, at),
          invitations: await deleteExpiredInvitations(tx, at),
        };
      });
      logger.info(removed, 'expired credentials removed');
    }),

    handle(purgeDeletedOrganizations, async (_payload, { logger }) => {
      const cutoff = new Date(now().getTime() - graceDays * 86_400_000);
      // One organization per transaction, claimed SKIP LOCKED: a crash loses at most the one in
      // hand (it is purged on the next run), and two workers never purge the same one.
      // An organization that cannot be purged (a failing row) is skipped for the rest of this
      // run, so it blocks no other; the job then fails, and retries, naming it.
      const failed: { id: string; error: string }[] = [];
      for (;;) {
        const skip = failed.map((f) => f.id);
        let candidate: string | undefined;
        try {
          const purged = await tenancy.withMaintenance(async (tx) => {
            const [org] = await findOrganizationsToPurge(tx, cutoff, purgeBatch, skip);
            if (!org) return null;
            candidate = org.id;
            const auditEntries = await deleteAuditOf(tx, org.id);
            await deleteOrganization(tx, org.id);
            await audit.record(tx, {
              orgId: null,
              actor: { type: 'system' },
              action: 'organization.purged',
              target: { type: 'organization', id: org.id },
              before: { name: org.name, slug: org.slug, deletedAt: org.deletedAt?.toISOString() },
              after: { auditEntriesRemoved: auditEntries },
            });
            await events.emit(
              tx,
              organizationPurged,
              { organizationId: org.id, slug: org.slug, deletedAt: org.deletedAt!.toISOString() },
              { orgId: null },
            );
            return org;
          });
          if (!purged) break;
          logger.info({ organizationId: purged.id, slug: purged.slug }, 'organization purged');
        } catch (error) {
          if (!candidate) throw error;
          failed.push({
            id: candidate,
            error: error instanceof Error ? error.message : String(error),
          });
          logger.error({ err: error, organizationId: candidate }, 'organization purge failed');
        }
      }
      if (failed.length > 0) {
        throw new Error(
          `could not purge ${failed.length} organization(s): ${failed.map((f) => `${f.id} (${f.error})`).join('; ')}`,
        );
      }
    }),
  ];
}
