import {
  webhookEndpointDisabled,
  webhookEventTypes,
  webhookTestEventType,
  type TCreateWebhookBody,
  type TUpdateWebhookBody,
} from '@corebase/contracts';
import { isIP } from 'node:net';
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Audit } from '#server/modules/audit/audit.service';
import {
  deleteEndpoint,
  disableEndpoint,
  findDelivery,
  findEndpoint,
  findPendingDeliveriesOfEvent,
  findSubscribedEndpoints,
  insertAttempt,
  insertDeliveries,
  insertEndpoint,
  listAttempts,
  listDeliveries,
  listEndpoints,
  updateDelivery,
  updateEndpoint,
  type TAttemptRow,
  type TDeliveryRow,
  type TEndpointRow,
} from '#server/modules/webhooks/webhooks.repository';
import { webhookDeliveries } from '#server/modules/webhooks/webhooks.schema';
import { generateWebhookSecret, signWebhook } from '#server/modules/webhooks/webhooks.signing';
import type { Keyring } from '#server/platform/crypto/keyring';
import { newId } from '#server/platform/db/columns';
import type { Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { AppError } from '#server/platform/errors';
import {
  OutboundRequestError,
  UnsafeUrlError,
  type TSafeResponse,
} from '#server/platform/http/safe-fetch';
import type { JobQueue, TJobDefinition } from '#server/platform/jobs/jobs';
import type { Events } from '#server/platform/outbox/events';

/** Keyring contexts: a value copied into another column does not decrypt. */
export const secretColumn = 'webhook_endpoints.secret';
export const previousSecretColumn = 'webhook_endpoints.previous_secret';

/** What the log keeps of an answer. */
const responseLogBytes = 4096;

/** The longest prefix of `text` whose UTF-8 encoding fits in `bytes`. */
function truncateBytes(text: string, bytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= bytes) return text;
  // Decoding a cut multi-byte character yields U+FFFD: drop it.
  return encoded
    .subarray(0, bytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

export type TWebhookActor = {
  userId: string;
  context?: { ip?: string; userAgent?: string; requestId?: string };
};

/** A domain event as the fan-out job receives it. */
export type TWebhookEvent = {
  id: string;
  name: string;
  orgId: string | null;
  payload: unknown;
  createdAt: string;
};

export type TDeliverPayload = { orgId: string; deliveryId: string };

export type TWebhooksDeps = {
  tenancy: Tenancy;
  keyring: Keyring;
  audit: Audit;
  events: Events;
  jobs: Pick<JobQueue, 'enqueue'>;
  deliverJob: TJobDefinition<TDeliverPayload>;
  safeFetch: {
    assertSafeUrl(url: string): Promise<void>;
    request(input: {
      url: string;
      method?: 'POST' | 'GET';
      headers: Record<string, string>;
      body?: string;
    }): Promise<TSafeResponse>;
  };
  /** An endpoint failing this long without a success is disabled. */
  disableAfterMs: number;
  logger: Logger;
  clock?: () => Date;
};

export type TEndpointWithSecret = { endpoint: TEndpointRow; secret: string };

/** `msg_` and the id without dashes: the `webhook-id` receivers de-duplicate on. */
const messageIdOf = (id: string) => `msg_${id.replaceAll('-', '')}`;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** PostgreSQL text cannot hold NUL: an answer containing one must still be logged. */
const storable = (text: string) => text.replaceAll('\u0000', '\uFFFD');

/**
 * What a tenant is told about a refused URL. The address a name resolves to stays in the server
 * log: echoing it would map the operator's internal DNS for anyone who can add an endpoint.
 * A literal address the caller typed is named back.
 */
function tenantReason(url: string, error: UnsafeUrlError): string {
  if (error.reason !== 'blocked_address' && error.reason !== 'unresolvable') return error.detail;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return error.detail;
  }
  if (isIP(host) !== 0) return error.detail;
  return `${host} cannot be reached by webhooks: it does not resolve to a public address.`;
}

export function createWebhooksService(deps: TWebhooksDeps) {
  const { tenancy, keyring, audit, events, jobs, deliverJob, safeFetch, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();

  const record = (
    tx: Tx,
    orgId: string,
    actor: TWebhookActor,
    action: string,
    endpoint: TEndpointRow,
    after?: unknown,
  ) =>
    audit.record(tx, {
      orgId,
      actor: { type: 'user', id: actor.userId },
      action,
      target: { type: 'webhook_endpoint', id: endpoint.id },
      ...(after === undefined ? {} : { after }),
      ...(actor.context ? { context: actor.context } : {}),
    });

  const summary = (endpoint: TEndpointRow) => ({
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
  });

  /** Refuses a URL that resolves to an address webhooks may not reach: 400 naming the field. */
  const checkUrl = async (url: string) => {
    try {
      await safeFetch.assertSafeUrl(url);
    } catch (error) {
      if (error instanceof UnsafeUrlError) {
        logger.info({ url, detail: error.detail }, 'webhook URL refused');
        const reason = tenantReason(url, error);
        throw new AppError('validation_failed', `url: ${reason}`, {
          details: { errors: [{ in: 'body', field: 'url', message: reason }] },
        });
      }
      throw error;
    }
  };

  const load = async (tx: Tx, id: string) => {
    const endpoint = await findEndpoint(tx, id);
    if (!endpoint)
      throw new AppError('not_found', `No webhook endpoint ${id} in this organization.`);
    return endpoint;
  };

  const loadDelivery = async (tx: Tx, endpointId: string, deliveryId: string) => {
    await load(tx, endpointId);
    const delivery = await findDelivery(tx, deliveryId);
    if (!delivery || delivery.endpointId !== endpointId) {
      throw new AppError('not_found', `No delivery ${deliveryId} for this endpoint.`);
    }
    return delivery;
  };

  /** The secrets that sign now: the current one, and the previous one during its overlap. */
  const signingSecrets = (endpoint: TEndpointRow, at: Date) => {
    const secrets = [keyring.decrypt(endpoint.secret, secretColumn)];
    if (
      endpoint.previousSecret &&
      endpoint.previousSecretExpiresAt &&
      endpoint.previousSecretExpiresAt > at
    ) {
      secrets.push(keyring.decrypt(endpoint.previousSecret, previousSecretColumn));
    }
    return secrets;
  };

  const queueUnavailable = (error: unknown) => {
    logger.error({ err: error }, 'webhook delivery could not be queued');
    return new AppError(
      'service_unavailable',
      'The job queue is unavailable; nothing was sent. Try again in a moment.',
      { cause: error },
    );
  };

  const enqueueDelivery = (orgId: string, deliveryId: string, key = deliveryId) =>
    jobs.enqueue(deliverJob, { orgId, deliveryId }, { dedupKey: key });

  return {
    async list(orgId: string) {
      return tenancy.withTenant(orgId, (tx) => listEndpoints(tx));
    },

    async get(orgId: string, id: string) {
      return tenancy.withTenant(orgId, (tx) => load(tx, id));
    },

    async create(
      orgId: string,
      actor: TWebhookActor,
      body: TCreateWebhookBody,
    ): Promise<TEndpointWithSecret> {
      await checkUrl(body.url);
      const secret = generateWebhookSecret();
      const endpoint = await tenancy.withTenant(orgId, async (tx) => {
        const row = await insertEndpoint(tx, {
          orgId,
          url: body.url,
          description: body.description,
          eventTypes: body.eventTypes,
          enabled: body.enabled,
          secret: keyring.encrypt(secret, secretColumn),
          createdBy: actor.userId,
        });
        await record(tx, orgId, actor, 'webhook.endpoint_created', row, summary(row));
        return row;
      });
      return { endpoint, secret };
    },

    async update(orgId: string, actor: TWebhookActor, id: string, body: TUpdateWebhookBody) {
      // Not found first (another organization's id says nothing more), then the URL check.
      await tenancy.withTenant(orgId, (tx) => load(tx, id));
      if (body.url !== undefined) await checkUrl(body.url);
      return tenancy.withTenant(orgId, async (tx) => {
        const before = await load(tx, id);
        const row = await updateEndpoint(tx, id, {
          ...body,
          // Turning an endpoint back on starts its failure clock again.
          ...(body.enabled === true && !before.enabled
            ? { disabledReason: null, failingSince: null }
            : {}),
          ...(body.enabled === false ? { disabledReason: 'disabled by a person' } : {}),
        });
        await record(tx, orgId, actor, 'webhook.endpoint_updated', row, summary(row));
        return row;
      });
    },

    async remove(orgId: string, actor: TWebhookActor, id: string) {
      await tenancy.withTenant(orgId, async (tx) => {
        const endpoint = await load(tx, id);
        await deleteEndpoint(tx, id);
        await record(tx, orgId, actor, 'webhook.endpoint_deleted', endpoint);
      });
    },

    /** A new secret; the previous one keeps signing for `overlapHours` (both are sent). */
    async rotateSecret(
      orgId: string,
      actor: TWebhookActor,
      id: string,
      overlapHours: number,
    ): Promise<TEndpointWithSecret> {
      const secret = generateWebhookSecret();
      const endpoint = await tenancy.withTenant(orgId, async (tx) => {
        const before = await load(tx, id);
        const current = keyring.decrypt(before.secret, secretColumn);
        const row = await updateEndpoint(tx, id, {
          secret: keyring.encrypt(secret, secretColumn),
          previousSecret: overlapHours > 0 ? keyring.encrypt(current, previousSecretColumn) : null,
          previousSecretExpiresAt:
            overlapHours > 0 ? new Date(now().getTime() + overlapHours * 3_600_000) : null,
        });
        await record(tx, orgId, actor, 'webhook.secret_rotated', row, { overlapHours });
        return row;
      });
      return { endpoint, secret };
    },

    /** Sends a `webhook.test` message to an enabled endpoint; answers the delivery. */
    async sendTest(orgId: string, actor: TWebhookActor, id: string): Promise<TDeliveryRow> {
      const delivery = await tenancy.withTenant(orgId, async (tx) => {
        const endpoint = await load(tx, id);
        if (!endpoint.enabled) {
          throw new AppError(
            'conflict',
            'This endpoint is disabled: enable it (PATCH enabled: true) before sending a test.',
          );
        }
        const deliveryId = newId();
        const at = now();
        await insertDeliveries(tx, [
          {
            id: deliveryId,
            orgId,
            endpointId: id,
            messageId: messageIdOf(deliveryId),
            eventId: null,
            eventType: webhookTestEventType,
            payload: {
              type: webhookTestEventType,
              timestamp: at.toISOString(),
              data: { endpointId: id, message: 'A test message from Corebase.' },
            },
          },
        ]);
        await record(tx, orgId, actor, 'webhook.test_sent', endpoint, { deliveryId });
        return (await findDelivery(tx, deliveryId))!;
      });
      try {
        await enqueueDelivery(orgId, delivery.id);
      } catch (error) {
        await tenancy.withTenant(orgId, (tx) =>
          updateDelivery(tx, delivery.id, { status: 'failed' }),
        );
        throw queueUnavailable(error);
      }
      return delivery;
    },

    async listDeliveries(
      orgId: string,
      endpointId: string,
      filter: Omit<Parameters<typeof listDeliveries>[1], 'endpointId'>,
    ) {
      return tenancy.withTenant(orgId, async (tx) => {
        await load(tx, endpointId);
        return listDeliveries(tx, { ...filter, endpointId });
      });
    },

    async getDelivery(
      orgId: string,
      endpointId: string,
      deliveryId: string,
    ): Promise<{ delivery: TDeliveryRow; attempts: TAttemptRow[] }> {
      return tenancy.withTenant(orgId, async (tx) => {
        const delivery = await loadDelivery(tx, endpointId, deliveryId);
        return { delivery, attempts: await listAttempts(tx, deliveryId) };
      });
    },

    /** Delivers a finished delivery again, with the same `webhook-id`. */
    async replay(orgId: string, actor: TWebhookActor, endpointId: string, deliveryId: string) {
      const { delivery, replays, previous } = await tenancy.withTenant(orgId, async (tx) => {
        const endpoint = await load(tx, endpointId);
        const found = await loadDelivery(tx, endpointId, deliveryId);
        if (found.status === 'pending') {
          throw new AppError(
            'conflict',
            'This delivery is still being attempted; replay it once it succeeded or failed.',
          );
        }
        if (!endpoint.enabled) {
          throw new AppError('conflict', 'This endpoint is disabled: enable it before a replay.');
        }
        const row = await updateDelivery(tx, deliveryId, { status: 'pending' });
        await record(tx, orgId, actor, 'webhook.delivery_replayed', endpoint, { deliveryId });
        return { delivery: row, replays: found.attempts, previous: found.status };
      });
      try {
        await enqueueDelivery(orgId, deliveryId, `${deliveryId}:replay-${replays}`);
      } catch (error) {
        await tenancy.withTenant(orgId, (tx) =>
          updateDelivery(tx, deliveryId, { status: previous }),
        );
        throw queueUnavailable(error);
      }
      return delivery;
    },

    /**
     * A delivery whose job ended without the handler's verdict (its worker died on the last
     * attempt, it stalled too often, or the handler threw on it) is failed, so it can be replayed.
     * Called with the maintenance transaction of the job's outcome; the key is the job's.
     */
    async abandoned(tx: Tx, dedupKey: string) {
      const deliveryId = /^[0-9a-f-]{36}/.exec(dedupKey)?.[0];
      if (!deliveryId) return;
      await tx
        .update(webhookDeliveries)
        .set({ status: 'failed', updatedAt: new Date() })
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, 'pending')));
    },

    /**
     * The fan-out job: one delivery per subscribed, enabled endpoint of the event's organization,
     * then one delivery job each. Run again (a retry, a second dispatch), it adds no delivery and
     * no job: deliveries are unique per (endpoint, event), jobs keyed by the delivery.
     */
    async fanOut(event: TWebhookEvent): Promise<number> {
      const orgId = event.orgId;
      // Only subscribable types leave the platform, whatever an endpoint's (empty) filter says.
      if (!orgId || !webhookEventTypes.includes(event.name)) return 0;
      const pending = await tenancy.withTenant(orgId, async (tx) => {
        const endpoints = await findSubscribedEndpoints(tx, event.name);
        await insertDeliveries(
          tx,
          endpoints.map((endpoint) => {
            const id = newId();
            return {
              id,
              orgId,
              endpointId: endpoint.id,
              messageId: messageIdOf(id),
              eventId: event.id,
              eventType: event.name,
              payload: { type: event.name, timestamp: event.createdAt, data: event.payload },
            };
          }),
        );
        return findPendingDeliveriesOfEvent(tx, event.id);
      });
      for (const delivery of pending) await enqueueDelivery(orgId, delivery.id);
      return pending.length;
    },

    /**
     * One attempt of a delivery job. Every attempt is logged; a failure throws so the job
     * retries (the same `webhook-id`, a fresh timestamp and signature), except on the last
     * attempt, which marks the delivery failed. Failing without a success for `disableAfterMs`
     * disables the endpoint and mails its admins.
     */
    async deliver(input: TDeliverPayload, job: { lastAttempt: boolean }) {
      const { orgId, deliveryId } = input;
      const loaded = await tenancy.withTenant(orgId, async (tx) => {
        const delivery = await findDelivery(tx, deliveryId);
        if (!delivery || delivery.status !== 'pending') return null;
        const endpoint = await findEndpoint(tx, delivery.endpointId);
        if (!endpoint?.enabled) {
          await updateDelivery(tx, deliveryId, { status: 'failed' });
          return null;
        }
        return { delivery, endpoint };
      });
      if (!loaded) return;
      const { delivery, endpoint } = loaded;

      const at = now();
      const timestamp = Math.floor(at.getTime() / 1000);
      const body = JSON.stringify(delivery.payload);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Corebase-Webhooks/1',
        'webhook-id': delivery.messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(signingSecrets(endpoint, at), {
          id: delivery.messageId,
          timestamp,
          body,
        }),
      };
      let response: TSafeResponse | undefined;
      let failure: string | undefined;
      const started = performance.now();
      try {
        response = await safeFetch.request({ url: endpoint.url, method: 'POST', headers, body });
      } catch (error) {
        if (!(error instanceof UnsafeUrlError || error instanceof OutboundRequestError)) {
          logger.warn({ err: error, deliveryId }, 'webhook request failed');
        }
        failure =
          error instanceof UnsafeUrlError ? tenantReason(endpoint.url, error) : errorText(error);
      }
      const durationMs = Math.round(response?.durationMs ?? performance.now() - started);
      const succeeded = response !== undefined && response.status >= 200 && response.status < 300;
      if (response && !succeeded) failure = `the endpoint answered ${response.status}`;

      const disabled = await tenancy.withTenant(orgId, async (tx) => {
        await insertAttempt(tx, {
          orgId,
          deliveryId,
          attempt: delivery.attempts + 1,
          requestHeaders: headers,
          requestBody: body,
          responseStatus: response?.status ?? null,
          responseBody: response ? storable(truncateBytes(response.body, responseLogBytes)) : null,
          error: succeeded || failure === undefined ? null : storable(failure),
          durationMs,
        });
        await updateDelivery(tx, deliveryId, {
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          lastStatus: response?.status ?? null,
          ...(succeeded ? { status: 'succeeded' } : job.lastAttempt ? { status: 'failed' } : {}),
        });
        const current = (await findEndpoint(tx, endpoint.id))!;
        if (succeeded) {
          if (current.failingSince) await updateEndpoint(tx, endpoint.id, { failingSince: null });
          return null;
        }
        const failingSince = current.failingSince ?? at;
        if (current.enabled && at.getTime() - failingSince.getTime() >= deps.disableAfterMs) {
          // Only the attempt that turns it off tells anyone (two may fail at once).
          const row = await disableEndpoint(tx, endpoint.id, failingSince);
          if (!row) return null;
          // No more attempts: a person turns the endpoint back on and replays what it missed.
          await updateDelivery(tx, deliveryId, { status: 'failed' });
          await audit.record(tx, {
            orgId,
            actor: { type: 'system' },
            action: 'webhook.endpoint_disabled',
            target: { type: 'webhook_endpoint', id: endpoint.id },
            after: { failingSince: failingSince.toISOString() },
          });
          await events.emit(tx, webhookEndpointDisabled, {
            endpointId: endpoint.id,
            url: endpoint.url,
            failingSince: failingSince.toISOString(),
          });
          return row;
        }
        if (!current.failingSince) await updateEndpoint(tx, endpoint.id, { failingSince });
        return null;
      });
      // Its owners and admins hear of it through webhook_endpoint.disabled (notifications).
      if (disabled) return;
      if (!succeeded && !job.lastAttempt) {
        throw new Error(`webhook delivery ${deliveryId} failed: ${failure ?? 'no answer'}`);
      }
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
