import { z } from 'zod';
import { defineJob, handle, type TRegisteredJob } from '#server/platform/jobs/jobs';
import { subscribe, type TSubscriber } from '#server/platform/outbox/dispatcher';
import type { TAmqpPublisher } from '#server/platform/streaming/amqp-publisher';

/**
 * Publishes one domain event to the RabbitMQ topic exchange (AMQP_URL), routing key = event
 * name. At least once: consumers de-duplicate on the message id (the event id).
 */
export const publishEvent = defineJob({
  name: 'streaming.publish',
  queue: 'streaming',
  schema: z.object({
    id: z.uuid(),
    name: z.string(),
    version: z.number().int(),
    orgId: z.uuid().nullable(),
    payload: z.unknown(),
    createdAt: z.string(),
  }),
  attempts: 12,
  backoff: { type: 'exponential', delayMs: 1_000 },
});

/** Every event, once AMQP_URL is set. */
export const streamingSubscribers: TSubscriber[] = [
  subscribe('*', publishEvent, (event) => ({
    id: event.id,
    name: event.name,
    version: event.version,
    orgId: event.orgId,
    payload: event.payload,
    createdAt: event.createdAt.toISOString(),
  })),
];

export function streamingJobs(publisher: TAmqpPublisher): TRegisteredJob[] {
  return [handle(publishEvent, (event) => publisher.publish(event))];
}
