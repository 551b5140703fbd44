import { z } from 'zod';

/**
 * What can notify a person, with the channels it starts on. Each type is a catalogue event; the
 * notifications module decides who receives it.
 */
export const notificationTypes = [
  {
    type: 'member.two_factor_reset',
    description: 'An administrator removed your two-factor authentication in an organization.',
    // Its security notice is always mailed (it is not a preference): in-app only here.
    channels: ['inApp'],
    defaults: { inApp: true, email: false },
  },
  {
    type: 'webhook_endpoint.disabled',
    description: 'A webhook endpoint of an organization you administer was disabled.',
    channels: ['inApp', 'email'],
    defaults: { inApp: true, email: true },
  },
] as const satisfies readonly {
  type: string;
  description: string;
  channels: readonly ('inApp' | 'email')[];
  defaults: { inApp: boolean; email: boolean };
}[];
export type TNotificationType = (typeof notificationTypes)[number]['type'];
export const ZNotificationType = z.enum(
  notificationTypes.map((entry) => entry.type) as [TNotificationType, ...TNotificationType[]],
);

const at = z.iso.datetime({ offset: true });

export const ZNotification = z.object({
  id: z.uuid(),
  type: z.string(),
  organizationId: z.uuid().nullable(),
  title: z.string(),
  body: z.string(),
  /** A path of the web app where the person acts on it, when there is one. */
  link: z.string().nullable(),
  readAt: at.nullable(),
  createdAt: at,
});
export type TNotification = z.infer<typeof ZNotification>;

export const ZNotificationPage = z.object({
  data: z.array(ZNotification),
  nextCursor: z.string().nullable(),
  unreadCount: z.number().int(),
});

export const ZListNotificationsQuery = z.object({
  /** Only unread ones. */
  unread: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export const ZNotificationParams = z.object({ id: z.uuid() });

export const ZUnreadCount = z.object({ unreadCount: z.number().int() });

export const ZNotificationPreference = z.object({
  type: ZNotificationType,
  inApp: z.boolean(),
  email: z.boolean(),
});

export const ZNotificationPreferences = z.object({
  data: z.array(
    ZNotificationPreference.extend({
      description: z.string(),
      /** The channels this type can use; the others stay off. */
      channels: z.array(z.enum(['inApp', 'email'])),
    }),
  ),
});

export const ZUpdateNotificationPreferencesBody = z.object({
  preferences: z
    .array(ZNotificationPreference)
    .min(1)
    .max(50)
    .refine((list) => new Set(list.map((p) => p.type)).size === list.length, {
      message: 'lists a type twice',
    }),
});
export type TUpdateNotificationPreferencesBody = z.infer<typeof ZUpdateNotificationPreferencesBody>;
