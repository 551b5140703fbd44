import {
  generateReport,
  purgeExpiredReports,
  queueReport,
  type ReportsService,
} from '#server/modules/reports/reports.service';
import { subscribe, type TSubscriber } from '#server/platform/outbox/dispatcher';
import type { Tx } from '#server/platform/db/database';
import {
  defineSchedule,
  handle,
  type TJobSettled,
  type TRegisteredJob,
  type TSchedule,
} from '#server/platform/jobs/jobs';

/** A request's event queues its report. */
export const reportSubscribers: TSubscriber[] = [
  subscribe('report.requested', queueReport, (event) => ({
    orgId: event.orgId!,
    reportId: String((event.payload as { reportId: string }).reportId),
  })),
];

export function reportJobs(reports: ReportsService): TRegisteredJob[] {
  return [
    handle(queueReport, (payload) => reports.queue(payload)),
    handle(generateReport, (payload, { attempt }) =>
      reports.generate(payload, { lastAttempt: attempt >= generateReport.attempts }),
    ),
    handle(purgeExpiredReports, async (_payload, { logger }) => {
      const removed = await reports.purgeExpired();
      if (removed > 0) logger.info({ removed }, 'expired report files deleted');
    }),
  ];
}

export const reportSchedules: TSchedule[] = [
  defineSchedule({
    name: 'reports.purge-expired',
    job: purgeExpiredReports,
    payload: {},
    cron: '40 * * * *',
  }),
];

/** A generate job that died (moved to the dead letters) leaves its report failed. */
export function onReportJobSettled(reports: ReportsService) {
  return async (settled: TJobSettled, tx: Tx) => {
    if (settled.name !== generateReport.name || settled.outcome !== 'dead' || !settled.dedupKey) {
      return;
    }
    await reports.abandoned(tx, settled.dedupKey);
  };
}
