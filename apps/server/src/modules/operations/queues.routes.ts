import { ZQueueStatsPage, ZQueueStatsQuery, type TQueueStatsPage } from '@corebase/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { JobQueue } from '#server/platform/jobs/jobs';

/** Queue health for platform superadmins: counts, throughput, failure rate and p95 per queue. */
export function queueRoutes(deps: {
  jobs: Pick<JobQueue, 'stats'>;
  driver: TQueueStatsPage['driver'];
}): FastifyPluginAsyncZod {
  const { jobs, driver } = deps;
  return async (app) => {
    app.get(
      '/v1/admin/queues',
      {
        config: { permission: 'superadmin', sessionOnly: true },
        schema: {
          tags: ['operations'],
          operationId: 'listQueues',
          description:
            'The health of the background work, one entry per queue; `windowMinutes` sets the period the rates cover.',
          summary:
            'Every job queue: jobs per state, throughput, failure rate and p95 run time over the last windowMinutes (superadmins).',
          querystring: ZQueueStatsQuery,
          response: { 200: ZQueueStatsPage },
        },
      },
      async (request) => {
        const { windowMinutes } = request.query;
        return { driver, windowMinutes, queues: await jobs.stats(windowMinutes) };
      },
    );
  };
}
