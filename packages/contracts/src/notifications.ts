import { z } from 'zod';
import { atLeastOneField } from './at-least-one.ts';

/**
 * What can notify a person, with the channels it starts on. Each type is a catalogue event; the
 * notifications module decides who receives it.
 */
export const notificationTypes = [
  {
    type: 'member.two_factor_reset',
    description: 'An administrator removed your two-factor authentication in an organization.',
    // A security notice: always mailed, whatever the preferences (email is no choice here).
    channels: ['inApp'],
    defaults: { inApp: true, email: false },
    alwaysEmail: true,
  },
  {
    type: 'invitation.created',
    description: 'You were invited to an organization (the invitation itself is always mailed).',
    channels: ['inApp'],
    defaults: { inApp: true, email: false },
  },
  {
    type: 'invitation.accepted',
    description: 'Someone you invited joined the organization.',
    channels: ['inApp', 'email'],
    defaults: { inApp: true, email: false },
  },
  {
    type: 'member.role_changed',
    description: 'Your role in an organization changed.',
    channels: ['inApp', 'email'],
    defaults: { inApp: true, email: true },
  },
  {
    type: 'webhook_endpoint.disabled',
    description: 'A webhook endpoint of an organization you administer was disabled.',
    channels: ['inApp', 'email'],
    defaults: { inApp: true, email: true },
  },
  {
    type: 'report.ready',
    description: 'A report you asked for is ready to download.',
    channels: ['inApp', 'email'],
    defaults: { inApp: true, email: true },
  },
  {
    type: 'report.failed',
    description: 'A report you asked for could not be produced.',
    channels: ['inApp', 'email'],
    defaults: { inApp: true, email: false },
  },
] as const satisfies readonly {
  type: string;
  description: string;
  channels: readonly ('inApp' | 'email')[];
  defaults: { inApp: boolean; email: boolean };
  /** Mailed whatever the person chose (security notices). */
  alwaysEmail?: true;
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

/** Whether a time zone name is one this runtime knows (IANA, e.g. Europe/Paris, or UTC). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const ZTimeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine(isTimeZone, { message: 'not a time zone name (IANA, e.g. Europe/Paris)' });

/** The daily email of unread notifications. */
export const ZDigestSettings = z.object({
  enabled: z.boolean(),
  /** The hour of the day (0–23, in `timeZone`) it is sent at. */
  hour: z.number().int().min(0).max(23),
  /** The person's time zone (IANA); UTC until they set one. */
  timeZone: z.string(),
  /** When the next one goes out if there is something unread then; null when disabled. */
  nextAt: at.nullable(),
  /** When the last one went out. */
  lastSentAt: at.nullable(),
});
export type TDigestSettings = z.infer<typeof ZDigestSettings>;

export const ZUpdateDigestBody = atLeastOneField(
  z
    .object({
      enabled: z.boolean(),
      hour: z.number().int().min(0).max(23),
      timeZone: ZTimeZone,
    })
    .partial(),
  'change at least one field',
);
export type TUpdateDigestBody = z.infer<typeof ZUpdateDigestBody>;
