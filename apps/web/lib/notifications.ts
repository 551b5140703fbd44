import type { TNotificationType, TUpdateNotificationPreferencesBody } from '@corebase/contracts';

import { safeNextPath } from '@/lib/next-path';

export const notificationsPath = '/notifications';

/**
 * Sent on `window` after this tab marked notifications read, so the header's count follows
 * without waiting for the next navigation.
 */
export const notificationsChangedEvent = 'corebase:notifications-changed';

export type TChannel = 'inApp' | 'email';

export type TPreferenceRow = {
  type: TNotificationType;
  description: string;
  channels: TChannel[];
  inApp: boolean;
  email: boolean;
};

export const channelLabels: Record<TChannel, string> = { inApp: 'In the app', email: 'Email' };

/**
 * Where opening a notification goes: its link when that is a path of this site. The link is
 * stored with the notification, so it is checked like any other path from outside.
 */
export function notificationHref(link: string | null): string | null {
  return link === null ? null : safeNextPath(link);
}

/** The header link's visible text: the count only when something is unread. */
export function notificationsLinkText(unreadCount: number | null): string {
  return unreadCount
    ? `Notifications (${unreadCount > 99 ? '99+' : unreadCount})`
    : 'Notifications';
}

/** The header link's accessible name: says "unread" rather than a bare number in brackets. */
export function notificationsLinkLabel(unreadCount: number | null): string {
  if (!unreadCount) return 'Notifications';
  return `Notifications, ${unreadCount} unread`;
}

/**
 * The PUT body for the rows as shown. A channel the type does not use is sent off: the server
 * refuses one that is on.
 */
export function preferencesBody(rows: TPreferenceRow[]): TUpdateNotificationPreferencesBody {
  return {
    preferences: rows.map((row) => ({
      type: row.type,
      inApp: row.channels.includes('inApp') && row.inApp,
      email: row.channels.includes('email') && row.email,
    })),
  };
}

/** Appends a further page, skipping any already shown (one arrived between the two reads). */
export function appendPage<T extends { id: string }>(shown: T[], next: T[]): T[] {
  const seen = new Set(shown.map((item) => item.id));
  return [...shown, ...next.filter((item) => !seen.has(item.id))];
}
