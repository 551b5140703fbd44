import {
  ZWebhookDeliveryDetail,
  ZWebhookDeliveryPage,
  ZWebhookEndpoint,
  ZWebhookEndpointList,
  ZWebhookEventTypes,
  type TWebhookDelivery,
  type TWebhookEndpoint,
} from '@corebase/contracts';

import { callGuardedApi, getJson, type TGuardedAnswer, type TSchema } from '@/lib/api';
import { webhooksForbiddenMessage } from '@/lib/webhook-form';

/**
 * An answer of the webhooks API, or why there is none: `forbidden` when the caller may not
 * manage webhooks (or has no active organization), so the page can say so instead of the
 * API's bare refusal.
 */
export type TWebhooksAnswer<T> = TGuardedAnswer<T>;

function read<T>(schema: TSchema<T>, path: string): Promise<TWebhooksAnswer<T>> {
  // The refusal says which: no active organization, a role without the permission, or an
  // organization that requires two-factor authentication first.
  return callGuardedApi(
    () => getJson(path),
    schema,
    (problem) => `${webhooksForbiddenMessage} ${problem.message}`,
  );
}

export type TWebhookEventType = { name: string; version: number; description: string };

/** `GET /v1/webhooks/event-types`: what an endpoint can subscribe to. */
export async function fetchWebhookEventTypes(): Promise<TWebhooksAnswer<TWebhookEventType[]>> {
  const answer = await read(ZWebhookEventTypes, '/v1/webhooks/event-types');
  return answer.ok ? { ok: true, data: answer.data.data } : answer;
}

/** `GET /v1/webhooks`: the active organization's endpoints, newest first. */
export async function fetchWebhooks(): Promise<TWebhooksAnswer<TWebhookEndpoint[]>> {
  const answer = await read(ZWebhookEndpointList, '/v1/webhooks');
  return answer.ok ? { ok: true, data: answer.data.data } : answer;
}

/** `GET /v1/webhooks/{id}`: one endpoint (404 when it is not this organization's). */
export function fetchWebhook(id: string): Promise<TWebhooksAnswer<TWebhookEndpoint>> {
  return read(ZWebhookEndpoint, `/v1/webhooks/${encodeURIComponent(id)}`);
}

export type TDeliveryStatus = TWebhookDelivery['status'];
export type TDeliveryPageView = { data: TWebhookDelivery[]; nextCursor: string | null };

/** `GET /v1/webhooks/{id}/deliveries`: one page of the log, newest first. */
export function fetchDeliveries(options: {
  endpointId: string;
  status: TDeliveryStatus | null;
  cursor: string | null;
  limit: number;
}): Promise<TWebhooksAnswer<TDeliveryPageView>> {
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (options.status) query.set('status', options.status);
  if (options.cursor) query.set('cursor', options.cursor);
  return read(
    ZWebhookDeliveryPage,
    `/v1/webhooks/${encodeURIComponent(options.endpointId)}/deliveries?${query.toString()}`,
  );
}

export type TWebhookAttemptView = {
  attempt: number;
  requestHeaders: Record<string, string>;
  requestBody: string;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  durationMs: number;
  createdAt: string;
};
export type TDeliveryDetailView = TWebhookDelivery & {
  payload: unknown;
  attemptLog: TWebhookAttemptView[];
};

/** `GET /v1/webhooks/{id}/deliveries/{deliveryId}`: the payload and every attempt. */
export function fetchDelivery(
  endpointId: string,
  deliveryId: string,
): Promise<TWebhooksAnswer<TDeliveryDetailView>> {
  return read(
    ZWebhookDeliveryDetail,
    `/v1/webhooks/${encodeURIComponent(endpointId)}/deliveries/${encodeURIComponent(deliveryId)}`,
  );
}
