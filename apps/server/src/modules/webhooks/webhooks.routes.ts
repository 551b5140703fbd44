import {
  eventCatalogue,
  webhookEventTypes,
  ZCreateWebhookBody,
  ZListWebhookDeliveriesQuery,
  ZRotateWebhookSecretBody,
  ZUpdateWebhookBody,
  ZWebhookDelivery,
  ZWebhookDeliveryDetail,
  ZWebhookDeliveryPage,
  ZWebhookDeliveryParams,
  ZWebhookEndpoint,
  ZWebhookEndpointList,
  ZWebhookEndpointWithSecret,
  ZWebhookEventTypes,
  ZWebhookParams,
  type TWebhookDelivery,
  type TWebhookEndpoint,
} from '@corebase/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type {
  TAttemptRow,
  TDeliveryRow,
  TEndpointRow,
} from '#server/modules/webhooks/webhooks.repository';
import type { TWebhookActor, WebhooksService } from '#server/modules/webhooks/webhooks.service';
import { decodeCursor, pageOf } from '#server/platform/http/cursor';
import { requestContextOf } from '#server/platform/http/request-context';

const presentEndpoint = (row: TEndpointRow): TWebhookEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  eventTypes: row.eventTypes,
  enabled: row.enabled,
  disabledReason: row.disabledReason,
  failingSince: row.failingSince?.toISOString() ?? null,
  previousSecretExpiresAt: row.previousSecretExpiresAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const presentDelivery = (row: TDeliveryRow): TWebhookDelivery => ({
  id: row.id,
  endpointId: row.endpointId,
  messageId: row.messageId,
  eventId: row.eventId,
  eventType: row.eventType,
  status: row.status,
  attempts: row.attempts,
  lastStatus: row.lastStatus,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const presentAttempt = (row: TAttemptRow) => ({
  attempt: row.attempt,
  requestHeaders: row.requestHeaders,
  requestBody: row.requestBody,
  responseStatus: row.responseStatus,
  responseBody: row.responseBody,
  error: row.error,
  durationMs: row.durationMs,
  createdAt: row.createdAt.toISOString(),
});

const actorOf = (request: FastifyRequest): TWebhookActor => ({
  userId: request.principal!.userId,
  context: requestContextOf(request),
});

/** The active organization's webhook endpoints, their deliveries and replays. */
export function webhookRoutes(deps: { webhooks: WebhooksService }): FastifyPluginAsyncZod {
  const { webhooks } = deps;
  const config = { permission: 'webhooks:manage' as const };
  const tags = ['webhooks'];
  const orgOf = (request: FastifyRequest) => request.principal!.orgId!;
  return async (app) => {
    app.get(
      '/v1/webhooks/event-types',
      {
        config,
        schema: {
          tags,
          operationId: 'listWebhookEventTypes',
          description:
            'Each event type with its version and description, as endpoints name them in `eventTypes`.',
          summary: 'The event types an endpoint can subscribe to (docs/events.md).',
          response: { 200: ZWebhookEventTypes },
        },
      },
      async () => ({
        data: eventCatalogue
          .filter((event) => webhookEventTypes.includes(event.name))
          .map(({ name, version, description }) => ({ name, version, description })),
      }),
    );

    app.get(
      '/v1/webhooks',
      {
        config,
        schema: {
          tags,
          operationId: 'listWebhooks',
          description:
            'Every endpoint with its URL, event filter and state (enabled, why disabled, failing since when); never a secret.',
          summary: "The active organization's webhook endpoints, newest first.",
          response: { 200: ZWebhookEndpointList },
        },
      },
      async (request) => ({ data: (await webhooks.list(orgOf(request))).map(presentEndpoint) }),
    );

    app.post(
      '/v1/webhooks',
      {
        config,
        schema: {
          tags,
          operationId: 'createWebhook',
          description:
            'Deliveries are signed per the Standard Webhooks specification with the secret answered here; store it, it is not shown again.',
          summary:
            'Add an endpoint. Its URL must reach a public address; the answer shows the signing secret this once.',
          body: ZCreateWebhookBody,
          response: { 201: ZWebhookEndpointWithSecret },
        },
      },
      async (request, reply) => {
        const { endpoint, secret } = await webhooks.create(
          orgOf(request),
          actorOf(request),
          request.body,
        );
        return reply.status(201).send({ ...presentEndpoint(endpoint), secret });
      },
    );

    app.get(
      '/v1/webhooks/:id',
      {
        config,
        schema: {
          tags,
          operationId: 'getWebhook',
          description: 'An endpoint of the active organization by id.',
          summary: 'One endpoint (never its secret).',
          params: ZWebhookParams,
          response: { 200: ZWebhookEndpoint },
        },
      },
      async (request) => presentEndpoint(await webhooks.get(orgOf(request), request.params.id)),
    );

    app.patch(
      '/v1/webhooks/:id',
      {
        config,
        schema: {
          tags,
          operationId: 'updateWebhook',
          description: 'Only the fields sent change. A new URL must reach a public address too.',
          summary: 'Change the URL, description, event types, or turn the endpoint on or off.',
          params: ZWebhookParams,
          body: ZUpdateWebhookBody,
          response: { 200: ZWebhookEndpoint },
        },
      },
      async (request) =>
        presentEndpoint(
          await webhooks.update(orgOf(request), actorOf(request), request.params.id, request.body),
        ),
    );

    app.delete(
      '/v1/webhooks/:id',
      {
        config,
        schema: {
          tags,
          operationId: 'deleteWebhook',
          description:
            'The endpoint gets no more deliveries, and its delivery log is deleted with it.',
          summary: 'Remove an endpoint and its delivery log.',
          params: ZWebhookParams,
          response: { 204: z.null().describe('Removed.') },
        },
      },
      async (request, reply) => {
        await webhooks.remove(orgOf(request), actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/v1/webhooks/:id/rotate-secret',
      {
        config,
        schema: {
          tags,
          operationId: 'rotateWebhookSecret',
          description:
            'The answer shows the new secret this once; `previousSecretExpiresAt` says until when the previous one still signs.',
          summary:
            'A new signing secret; the previous one also signs for overlapHours (default 24), so receivers can switch.',
          params: ZWebhookParams,
          body: ZRotateWebhookSecretBody,
          response: { 200: ZWebhookEndpointWithSecret },
        },
      },
      async (request) => {
        const { endpoint, secret } = await webhooks.rotateSecret(
          orgOf(request),
          actorOf(request),
          request.params.id,
          request.body?.overlapHours ?? 24,
        );
        return { ...presentEndpoint(endpoint), secret };
      },
    );

    app.post(
      '/v1/webhooks/:id/test',
      {
        config,
        schema: {
          tags,
          operationId: 'testWebhook',
          description:
            'Queues a delivery of a webhook.test event and answers it; follow its outcome in the delivery log.',
          summary: 'Send a webhook.test message to the endpoint (it must be enabled).',
          params: ZWebhookParams,
          response: { 202: ZWebhookDelivery },
        },
      },
      async (request, reply) => {
        const delivery = await webhooks.sendTest(
          orgOf(request),
          actorOf(request),
          request.params.id,
        );
        return reply.status(202).send(presentDelivery(delivery));
      },
    );

    app.get(
      '/v1/webhooks/:id/deliveries',
      {
        config,
        schema: {
          tags,
          operationId: 'listWebhookDeliveries',
          description: 'Each delivery with its event, status and attempts, paged with `cursor`.',
          summary: "The endpoint's deliveries, newest first (kept WEBHOOK_LOG_RETENTION_DAYS).",
          params: ZWebhookParams,
          querystring: ZListWebhookDeliveriesQuery,
          response: { 200: ZWebhookDeliveryPage },
        },
      },
      async (request) => {
        const { status, limit, cursor } = request.query;
        const before = cursor ? decodeCursor(cursor) : undefined;
        const rows = await webhooks.listDeliveries(orgOf(request), request.params.id, {
          ...(status ? { status } : {}),
          ...(before ? { before: { createdAt: before.at, id: before.id } } : {}),
          limit: limit + 1,
        });
        const { page, nextCursor } = pageOf(rows, limit, (row) => row.createdAt);
        return { data: page.map(presentDelivery), nextCursor };
      },
    );

    app.get(
      '/v1/webhooks/:id/deliveries/:deliveryId',
      {
        config,
        schema: {
          tags,
          operationId: 'getWebhookDelivery',
          description:
            'For debugging a receiver: the body sent, and each attempt with the answer it got.',
          summary: 'One delivery with its payload and every attempt, as sent and as answered.',
          params: ZWebhookDeliveryParams,
          response: { 200: ZWebhookDeliveryDetail },
        },
      },
      async (request) => {
        const { delivery, attempts } = await webhooks.getDelivery(
          orgOf(request),
          request.params.id,
          request.params.deliveryId,
        );
        return {
          ...presentDelivery(delivery),
          payload: delivery.payload,
          attemptLog: attempts.map(presentAttempt),
        };
      },
    );

    app.post(
      '/v1/webhooks/:id/deliveries/:deliveryId/replay',
      {
        config,
        schema: {
          tags,
          operationId: 'replayWebhookDelivery',
          description:
            'Receivers that deduplicate on webhook-id ignore it if they processed the first one. Queued, and answered as a new delivery.',
          summary: 'Deliver a finished delivery again, with the same webhook-id.',
          params: ZWebhookDeliveryParams,
          response: { 202: ZWebhookDelivery },
        },
      },
      async (request, reply) => {
        const delivery = await webhooks.replay(
          orgOf(request),
          actorOf(request),
          request.params.id,
          request.params.deliveryId,
        );
        return reply.status(202).send(presentDelivery(delivery));
      },
    );
  };
}
