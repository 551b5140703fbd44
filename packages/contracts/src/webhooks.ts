import { z } from 'zod';
import { atLeastOneField } from './at-least-one.ts';
import { eventCatalogue } from './events.ts';

/** The event a test delivery carries (`POST /v1/webhooks/{id}/test`); not a domain event. */
export const webhookTestEventType = 'webhook.test';

/** Event types an endpoint can subscribe to: the catalogue's organization events. */
export const webhookEventTypes = eventCatalogue
  .map((event) => event.name)
  .filter((name) => !name.startsWith('impersonation.'));

const ZEventType = z
  .string()
  .max(100)
  .refine((name) => webhookEventTypes.includes(name), {
    message: `unknown event type (see GET /v1/webhooks/event-types)`,
  });

const at = z.iso.datetime({ offset: true });

export const ZWebhookEndpoint = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  /** Empty: every event type. */
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  /** Why it was disabled (`failing`: failed continuously for too long), null when enabled. */
  disabledReason: z.string().nullable(),
  /** Since when every delivery failed (null while deliveries succeed). */
  failingSince: at.nullable(),
  /** Until when the previous secret still signs deliveries (after a rotation). */
  previousSecretExpiresAt: at.nullable(),
  createdAt: at,
  updatedAt: at,
});
export type TWebhookEndpoint = z.infer<typeof ZWebhookEndpoint>;

/** The answer to creating an endpoint or rotating its secret: the only time the secret is shown. */
export const ZWebhookEndpointWithSecret = ZWebhookEndpoint.extend({
  /** `whsec_` and base64: verify signatures with it (Standard Webhooks). */
  secret: z.string(),
});

export const ZWebhookEndpointList = z.object({ data: z.array(ZWebhookEndpoint) });

const ZUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' || url.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { message: 'expected an http(s) URL' },
  );

export const ZCreateWebhookBody = z.object({
  url: ZUrl,
  description: z.string().trim().max(500).default(''),
  eventTypes: z
    .array(ZEventType)
    .max(100)
    .refine((list) => new Set(list).size === list.length, { message: 'lists an event type twice' })
    .default([]),
  enabled: z.boolean().default(true),
});
export type TCreateWebhookBody = z.infer<typeof ZCreateWebhookBody>;

export const ZUpdateWebhookBody = atLeastOneField(
  z
    .object({
      url: ZUrl,
      description: z.string().trim().max(500),
      eventTypes: z
        .array(ZEventType)
        .max(100)
        .refine((list) => new Set(list).size === list.length, {
          message: 'lists an event type twice',
        }),
      enabled: z.boolean(),
    })
    .partial(),
  'change at least one field',
);
export type TUpdateWebhookBody = z.infer<typeof ZUpdateWebhookBody>;

/** Optional: without a body the previous secret signs for 24 more hours. */
export const ZRotateWebhookSecretBody = z
  .object({
    /** Hours the previous secret keeps signing too (both signatures are sent), 0 for none. */
    overlapHours: z.number().int().min(0).max(168).default(24),
  })
  .nullish();

export const ZWebhookParams = z.object({ id: z.uuid() });
export const ZWebhookDeliveryParams = z.object({ id: z.uuid(), deliveryId: z.uuid() });

export const ZWebhookAttempt = z.object({
  attempt: z.number().int(),
  requestHeaders: z.record(z.string(), z.string()),
  requestBody: z.string(),
  /** null when no answer came (refused address, timeout, connection error). */
  responseStatus: z.number().int().nullable(),
  /** The first 4 KB of the answer. */
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  createdAt: at,
});

export const ZWebhookDelivery = z.object({
  id: z.uuid(),
  endpointId: z.uuid(),
  /** The `webhook-id` header: the same on every attempt and replay. */
  messageId: z.string(),
  eventId: z.uuid().nullable(),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  createdAt: at,
  updatedAt: at,
});
export type TWebhookDelivery = z.infer<typeof ZWebhookDelivery>;

export const ZWebhookDeliveryDetail = ZWebhookDelivery.extend({
  payload: z.unknown(),
  attemptLog: z.array(ZWebhookAttempt),
});

export const ZWebhookDeliveryPage = z.object({
  data: z.array(ZWebhookDelivery),
  nextCursor: z.string().nullable(),
});

export const ZListWebhookDeliveriesQuery = z.object({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const ZWebhookEventTypes = z.object({
  data: z.array(z.object({ name: z.string(), version: z.number().int(), description: z.string() })),
});
