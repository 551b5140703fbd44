import { z } from 'zod';
import { deleteDeliveriesBefore } from '#server/modules/webhooks/webhooks.repository';
import type { TDeliverPayload, WebhooksService } from '#server/modules/webhooks/webhooks.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import {
  defineJob,
  defineSchedule,
  handle,
  type TJobDefinition,
  type TJobSettled,
  type TRegisteredJob,
} from '#server/platform/jobs/jobs';
import type { Tx } from '#server/platform/db/database';
import { subscribe, type TSubscriber } from '#server/platform/outbox/dispatcher';

/** Turns one domain event into one delivery per subscribed endpoint of its organization. */
export const fanOutWebhooks = defineJob({
  name: 'webhooks.fan-out',
  queue: 'webhooks',
  schema: z.object({
    id: z.uuid(),
    name: z.string(),
    orgId: z.uuid().nullable(),
    payload: z.unknown(),
    createdAt: z.string(),
  }),
  attempts: 10,
  backoff: { type: 'exponential', delayMs: 1_000 },
});

/**
 * One delivery to one endpoint, retried on WEBHOOK_RETRY_SCHEDULE (about a day by default);
 * keyed by the delivery, so a delivery has one job at a time.
 */
export function defineDeliverWebhook(
  retryDelaysMs: readonly number[],
): TJobDefinition<TDeliverPayload> {
  return defineJob({
    name: 'webhooks.deliver',
    queue: 'webhooks',
    schema: z.object({ orgId: z.uuid(), deliveryId: z.uuid() }),
    attempts: retryDelaysMs.length + 1,
    backoff: { type: 'schedule', delaysMs: retryDelaysMs },
  });
}

/** Removes delivery logs older than WEBHOOK_LOG_RETENTION_DAYS. */
export const purgeWebhookDeliveries = defineJob({
  name: 'webhooks.purge-deliveries',
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
});

export const webhookSchedules = [
  defineSchedule({
    name: 'webhooks.purge-deliveries',
    job: purgeWebhookDeliveries,
    payload: {},
    cron: '15 4 * * *',
  }),
];

/** Every domain event goes to the fan-out: endpoints filter by type there. */
export const webhookSubscribers: TSubscriber[] = [
  subscribe('*', fanOutWebhooks, (event) => ({
    id: event.id,
    name: event.name,
    orgId: event.orgId,
    payload: event.payload,
    createdAt: event.createdAt.toISOString(),
  })),
];

/**
 * For the composition root's onSettled: a delivery job that ended dead (not by the handler's
 * own verdict) fails its delivery, so a person can replay it.
 */
export function onWebhookJobSettled(webhooks: WebhooksService) {
  return async (settled: TJobSettled, tx: Tx) => {
    if (settled.name !== 'webhooks.deliver' || settled.outcome !== 'dead' || !settled.dedupKey)
      return;
    await webhooks.abandoned(tx, settled.dedupKey);
  };
}

export function webhookJobs(deps: {
  webhooks: WebhooksService;
  deliverJob: TJobDefinition<TDeliverPayload>;
  tenancy: Tenancy;
  retentionDays: number;
}): TRegisteredJob[] {
  const { webhooks, deliverJob } = deps;
  return [
    handle(fanOutWebhooks, async (event) => {
      await webhooks.fanOut(event);
    }),
    handle(deliverJob, async (payload, { attempt }) => {
      await webhooks.deliver(payload, { lastAttempt: attempt >= deliverJob.attempts });
    }),
    handle(purgeWebhookDeliveries, async (_payload, { logger }) => {
      const cutoff = new Date(Date.now() - deps.retentionDays * 86_400_000);
      const removed = await deps.tenancy.withMaintenance((tx) =>
        deleteDeliveriesBefore(tx, cutoff),
      );
      logger.info({ removed }, 'webhook deliveries past retention removed');
    }),
  ];
}
