import { notificationTypes, ZNotificationType } from '@corebase/contracts';
import { z } from 'zod';
import {
  sendDigest,
  sweepDigests,
  type Digests,
} from '#server/modules/notifications/notifications.digest';
import type { NotificationsService } from '#server/modules/notifications/notifications.service';
import {
  defineJob,
  defineSchedule,
  handle,
  type TRegisteredJob,
  type TSchedule,
} from '#server/platform/jobs/jobs';
import { subscribe, type TSubscriber } from '#server/platform/outbox/dispatcher';

/** Notifies the people one event concerns, in-app and by email as each prefers. */
export const notify = defineJob({
  name: 'notifications.notify',
  queue: 'notifications',
  schema: z.object({
    eventId: z.uuid(),
    type: ZNotificationType,
    orgId: z.uuid().nullable(),
    payload: z.record(z.string(), z.unknown()),
  }),
  attempts: 8,
  backoff: { type: 'exponential', delayMs: 5_000 },
});

export const notificationSubscribers: TSubscriber[] = notificationTypes.map((entry) =>
  subscribe(entry.type, notify, (event) => ({
    eventId: event.id,
    type: entry.type,
    orgId: event.orgId,
    payload: event.payload as Record<string, unknown>,
  })),
);

export function notificationJobs(
  notifications: NotificationsService,
  digests: Digests,
): TRegisteredJob[] {
  return [
    handle(notify, (event) => notifications.notify(event)),
    handle(sweepDigests, async () => {
      await digests.sweep();
    }),
    handle(sendDigest, (payload) => digests.send(payload)),
  ];
}

/** Every quarter hour: time zones with half- and quarter-hour offsets get theirs on time too. */
export const notificationSchedules: TSchedule[] = [
  defineSchedule({
    name: 'notifications.sweep-digests',
    job: sweepDigests,
    payload: {},
    cron: '*/15 * * * *',
  }),
];
