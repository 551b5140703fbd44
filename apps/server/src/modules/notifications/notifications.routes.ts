import {
  ZDigestSettings,
  ZListNotificationsQuery,
  ZNotificationPage,
  ZNotificationParams,
  ZNotificationPreferences,
  ZUnreadCount,
  ZUpdateDigestBody,
  ZUpdateNotificationPreferencesBody,
  type TNotification,
} from '@corebase/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TNotificationRow } from '#server/modules/notifications/notifications.repository';
import type { Digests } from '#server/modules/notifications/notifications.digest';
import type { NotificationsService } from '#server/modules/notifications/notifications.service';
import { decodeCursor, pageOf } from '#server/platform/http/cursor';

const present = (row: TNotificationRow): TNotification => ({
  id: row.id,
  type: row.type,
  organizationId: row.orgId,
  title: row.title,
  body: row.body,
  link: row.link,
  readAt: row.readAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
});

/** The signed-in person's own notifications and their channel preferences. */
export function notificationRoutes(deps: {
  notifications: NotificationsService;
  digests: Digests;
}): FastifyPluginAsyncZod {
  const { notifications, digests } = deps;
  const config = { permission: 'authenticated' as const };
  const tags = ['notifications'];
  const userOf = (request: FastifyRequest) => request.principal!.userId;
  return async (app) => {
    app.get(
      '/v1/notifications',
      {
        config,
        schema: {
          tags,
          operationId: 'listNotifications',
          description:
            "Only the caller's own; `unread=true` leaves out the read ones. Paged with `cursor`.",
          summary: 'Your notifications, newest first, with how many are unread.',
          querystring: ZListNotificationsQuery,
          response: { 200: ZNotificationPage },
        },
      },
      async (request) => {
        const { unread, limit, cursor } = request.query;
        const before = cursor ? decodeCursor(cursor) : undefined;
        const { rows, unreadCount } = await notifications.list(userOf(request), {
          unread: unread === 'true',
          ...(before ? { before: { createdAt: before.at, id: before.id } } : {}),
          limit: limit + 1,
        });
        const { page, nextCursor } = pageOf(rows, limit, (row) => row.createdAt);
        return { data: page.map(present), nextCursor, unreadCount };
      },
    );

    app.get(
      '/v1/notifications/unread-count',
      {
        config,
        schema: {
          tags,
          operationId: 'getUnreadNotificationCount',
          description: "For a badge: the number of the caller's unread notifications.",
          summary: 'How many of your notifications are unread.',
          response: { 200: ZUnreadCount },
        },
      },
      async (request) => ({ unreadCount: await notifications.unreadCount(userOf(request)) }),
    );

    app.post(
      '/v1/notifications/:id/read',
      {
        config,
        schema: {
          tags,
          operationId: 'markNotificationRead',
          description: "Marks one of the caller's notifications read.",
          summary: 'Mark one of your notifications read.',
          params: ZNotificationParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await notifications.markRead(userOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/v1/notifications/read-all',
      {
        config,
        schema: {
          tags,
          operationId: 'markAllNotificationsRead',
          description:
            'Marks every unread notification of the caller read and answers how many there were.',
          summary: 'Mark all your notifications read.',
          response: { 200: z.object({ marked: z.number().int() }) },
        },
      },
      async (request) => ({ marked: await notifications.markAllRead(userOf(request)) }),
    );

    app.get(
      '/v1/notifications/preferences',
      {
        config,
        schema: {
          tags,
          operationId: 'getNotificationPreferences',
          description:
            'Every notification type with the channels (in-app, email) it reaches the caller by.',
          summary: 'Your channels (in-app, email) per notification type.',
          response: { 200: ZNotificationPreferences },
        },
      },
      async (request) => ({ data: await notifications.preferences(userOf(request)) }),
    );

    app.put(
      '/v1/notifications/preferences',
      {
        config,
        schema: {
          tags,
          operationId: 'updateNotificationPreferences',
          description:
            'Sets the channels of the notification types sent; the other types keep theirs.',
          summary: 'Choose your channels for some notification types; the others stay as they are.',
          body: ZUpdateNotificationPreferencesBody,
          response: { 200: ZNotificationPreferences },
        },
      },
      async (request) => ({
        data: await notifications.setPreferences(userOf(request), request.body),
      }),
    );

    app.get(
      '/v1/notifications/digest',
      {
        config,
        schema: {
          tags,
          operationId: 'getNotificationDigest',
          description:
            "The caller's daily digest settings, and when the next digest goes if it is on.",
          summary:
            'Your daily digest: on or off, its hour, your time zone, when the next one goes.',
          response: { 200: ZDigestSettings },
        },
      },
      async (request) => digests.settings(userOf(request)),
    );

    app.put(
      '/v1/notifications/digest',
      {
        config,
        schema: {
          tags,
          operationId: 'updateNotificationDigest',
          description:
            'Only the fields sent change (at least one). The time zone is an IANA name such as Europe/Paris.',
          summary:
            'Turn the daily digest of unread notifications on or off, choose its hour and your time zone.',
          body: ZUpdateDigestBody,
          response: { 200: ZDigestSettings },
        },
      },
      async (request) => digests.update(userOf(request), request.body),
    );
  };
}
