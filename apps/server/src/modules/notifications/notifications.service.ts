import {
  notificationTypes,
  type TNotificationType,
  type TUpdateNotificationPreferencesBody,
} from '@corebase/contracts';
import type { Logger } from 'pino';
import {
  countUnread,
  findPreferences,
  insertNotification,
  listNotifications,
  markAllRead,
  markRead,
  upsertPreference,
} from '#server/modules/notifications/notifications.repository';
import type { Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { AppError } from '#server/platform/errors';
import { applyOnce } from '#server/platform/jobs/effects';
import type { TMail } from '#server/platform/mail/mailer';

/** A domain event as the notify job receives it. */
export type TNotifyEvent = {
  eventId: string;
  type: TNotificationType;
  orgId: string | null;
  payload: Record<string, unknown>;
};

/** Who a notification goes to, what it says, and its email if the channel is on. */
export type TRecipient = {
  userId: string;
  title: string;
  body: string;
  link: string | null;
  email?: TMail;
};

export type TNotificationsDeps = {
  tenancy: Tenancy;
  /** Per type: the people an event notifies, from the module owning the event. */
  recipientsOf: Record<TNotificationType, (event: TNotifyEvent) => Promise<TRecipient[]>>;
  sendMail: (mail: TMail) => Promise<void>;
  logger: Logger;
};

const byType = new Map<string, (typeof notificationTypes)[number]>(
  notificationTypes.map((entry) => [entry.type, entry]),
);

export function createNotificationsService(deps: TNotificationsDeps) {
  const { tenancy } = deps;

  const preferencesOf = async (tx: Tx, userId: string) => {
    const saved = new Map((await findPreferences(tx, userId)).map((row) => [row.type, row]));
    return notificationTypes.map((entry) => {
      const row = saved.get(entry.type);
      const channels: readonly string[] = entry.channels;
      return {
        type: entry.type,
        description: entry.description,
        channels: [...entry.channels],
        inApp: channels.includes('inApp') && (row?.inApp ?? entry.defaults.inApp),
        email: channels.includes('email') && (row?.email ?? entry.defaults.email),
      };
    });
  };

  return {
    async list(
      userId: string,
      filter: { unread: boolean; before?: { createdAt: Date; id: string }; limit: number },
    ) {
      return tenancy.withPlatform(async (tx) => ({
        rows: await listNotifications(tx, userId, filter),
        unreadCount: await countUnread(tx, userId),
      }));
    },

    unreadCount: (userId: string) => tenancy.withPlatform((tx) => countUnread(tx, userId)),

    async markRead(userId: string, id: string) {
      const found = await tenancy.withPlatform((tx) => markRead(tx, userId, id));
      if (!found) throw new AppError('not_found', `You have no notification ${id}.`);
    },

    markAllRead: (userId: string) => tenancy.withPlatform((tx) => markAllRead(tx, userId)),

    preferences: (userId: string) => tenancy.withPlatform((tx) => preferencesOf(tx, userId)),

    async setPreferences(userId: string, body: TUpdateNotificationPreferencesBody) {
      const refused = body.preferences.filter((p) => {
        const channels: readonly string[] = byType.get(p.type)?.channels ?? [];
        return (p.inApp && !channels.includes('inApp')) || (p.email && !channels.includes('email'));
      });
      if (refused.length > 0) {
        const message = `${refused.map((p) => p.type).join(', ')}: turns on a channel this type does not use (see channels)`;
        throw new AppError('validation_failed', `preferences: ${message}.`, {
          details: { errors: [{ in: 'body', field: 'preferences', message }] },
        });
      }
      return tenancy.withPlatform(async (tx) => {
        for (const preference of body.preferences) {
          await upsertPreference(tx, { userId, ...preference });
        }
        return preferencesOf(tx, userId);
      });
    },

    /**
     * The notify job: each recipient gets the notification in-app and by email as their
     * preferences say. Run again (a retry, a redelivered event), it adds nothing: one
     * notification per person and event, each email keyed once.
     */
    async notify(event: TNotifyEvent) {
      const recipients = await deps.recipientsOf[event.type](event);
      for (const recipient of recipients) {
        const wants = await tenancy.withPlatform(async (tx) => {
          const preference = (await preferencesOf(tx, recipient.userId)).find(
            (p) => p.type === event.type,
          );
          if (preference?.inApp) {
            await insertNotification(tx, {
              userId: recipient.userId,
              orgId: event.orgId,
              eventId: event.eventId,
              type: event.type,
              title: recipient.title,
              body: recipient.body,
              link: recipient.link,
            });
          }
          return preference;
        });
        const mail = recipient.email;
        const entry = byType.get(event.type);
        const always = entry !== undefined && 'alwaysEmail' in entry && entry.alwaysEmail;
        if ((wants?.email || always) && mail) {
          await tenancy.withMaintenance((tx) =>
            applyOnce(tx, `${event.eventId}:${recipient.userId}:email`, () => deps.sendMail(mail)),
          );
        }
      }
      deps.logger.debug({ type: event.type, recipients: recipients.length }, 'notified');
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
