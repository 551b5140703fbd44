import {
  ZNotificationPage,
  ZNotificationPreferences,
  ZUnreadCount,
  type TNotification,
} from '@corebase/contracts';

import type { TApiResult } from '@/app/account/two-factor-api';
import {
  getJson,
  postJson,
  readProblem,
  sendJson,
  unreachableMessage,
  type TProblemSummary,
} from '@/lib/api';
import { preferencesBody, type TPreferenceRow } from '@/lib/notifications';

export type TNotificationPage = {
  data: TNotification[];
  nextCursor: string | null;
  unreadCount: number;
};

const unexpected: TProblemSummary = {
  status: 200,
  message: 'The server answered with something this page cannot read. Reload and try again.',
};

/**
 * One call: a refusal or a network failure comes back as a problem to show, never a throw.
 * `read` picks the answer out of the body, or null when the body is not what the contract says.
 */
async function call<T>(
  send: () => Promise<Response>,
  read: (body: unknown) => T | null,
): Promise<TApiResult<T>> {
  let response: Response;
  try {
    response = await send();
  } catch {
    return { ok: false, problem: { status: 0, message: unreachableMessage } };
  }
  if (!response.ok) return { ok: false, problem: await readProblem(response) };
  const answer = read(response.status === 204 ? null : await response.json().catch(() => null));
  return answer === null ? { ok: false, problem: unexpected } : { ok: true, answer };
}

export function listNotifications(
  cursor: string | null,
  limit = 20,
): Promise<TApiResult<TNotificationPage>> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return call(
    () => getJson(`/v1/notifications?${query}`),
    (body) => ZNotificationPage.safeParse(body).data ?? null,
  );
}

export function fetchUnreadCount(): Promise<TApiResult<number>> {
  return call(
    () => getJson('/v1/notifications/unread-count'),
    (body) => ZUnreadCount.safeParse(body).data?.unreadCount ?? null,
  );
}

export function markNotificationRead(id: string): Promise<TApiResult<true>> {
  return call(
    () => postJson(`/v1/notifications/${encodeURIComponent(id)}/read`, {}),
    () => true,
  );
}

export function markAllNotificationsRead(): Promise<TApiResult<true>> {
  return call(
    () => postJson('/v1/notifications/read-all', {}),
    () => true,
  );
}

const readPreferences = (body: unknown): TPreferenceRow[] | null =>
  ZNotificationPreferences.safeParse(body).data?.data ?? null;

export function fetchPreferences(): Promise<TApiResult<TPreferenceRow[]>> {
  return call(() => getJson('/v1/notifications/preferences'), readPreferences);
}

/** Saves every row as shown; the server answers with the preferences it now holds. */
export function savePreferences(rows: TPreferenceRow[]): Promise<TApiResult<TPreferenceRow[]>> {
  return call(
    () => sendJson('PUT', '/v1/notifications/preferences', preferencesBody(rows)),
    readPreferences,
  );
}
