import {
  ZDigestSettings,
  ZNotificationPage,
  ZNotificationPreferences,
  ZUnreadCount,
  type TDigestSettings,
  type TNotification,
  type TUpdateDigestBody,
} from '@corebase/contracts';

import { callApi, getJson, postJson, sendJson, type TApiResult } from '@/lib/api';
import { preferencesBody, type TPreferenceRow } from '@/lib/notifications';

export type TNotificationPage = {
  data: TNotification[];
  nextCursor: string | null;
  unreadCount: number;
};

export function listNotifications(
  cursor: string | null,
  limit = 20,
): Promise<TApiResult<TNotificationPage>> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return callApi(
    () => getJson(`/v1/notifications?${query}`),
    (body) => ZNotificationPage.safeParse(body).data ?? null,
  );
}

export function fetchUnreadCount(): Promise<TApiResult<number>> {
  return callApi(
    () => getJson('/v1/notifications/unread-count'),
    (body) => ZUnreadCount.safeParse(body).data?.unreadCount ?? null,
  );
}

export function markNotificationRead(id: string): Promise<TApiResult<true>> {
  return callApi(
    () => postJson(`/v1/notifications/${encodeURIComponent(id)}/read`, {}),
    () => true,
  );
}

export function markAllNotificationsRead(): Promise<TApiResult<true>> {
  return callApi(
    () => postJson('/v1/notifications/read-all', {}),
    () => true,
  );
}

const readPreferences = (body: unknown): TPreferenceRow[] | null =>
  ZNotificationPreferences.safeParse(body).data?.data ?? null;

export function fetchPreferences(): Promise<TApiResult<TPreferenceRow[]>> {
  return callApi(() => getJson('/v1/notifications/preferences'), readPreferences);
}

/** Saves every row as shown; the server answers with the preferences it now holds. */
export function savePreferences(rows: TPreferenceRow[]): Promise<TApiResult<TPreferenceRow[]>> {
  return callApi(
    () => sendJson('PUT', '/v1/notifications/preferences', preferencesBody(rows)),
    readPreferences,
  );
}

const readDigest = (body: unknown): TDigestSettings | null =>
  ZDigestSettings.safeParse(body).data ?? null;

/** `GET /v1/notifications/digest`: the daily digest's switch, hour, zone and next sending. */
export function fetchDigest(): Promise<TApiResult<TDigestSettings>> {
  return callApi(() => getJson('/v1/notifications/digest'), readDigest);
}

/** `PUT /v1/notifications/digest`; the server answers with the settings it now holds. */
export function saveDigest(body: TUpdateDigestBody): Promise<TApiResult<TDigestSettings>> {
  return callApi(() => sendJson('PUT', '/v1/notifications/digest', body), readDigest);
}
