import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { organizations, users } from '#server/modules/identity/identity.schema';
import { createdAtColumn, idColumn, updatedAtColumn } from '#server/platform/db/columns';
import { tenantIsolationPolicy } from '#server/platform/db/rls';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * Tenant table (RLS, FORCE): where an organization wants its events. Secrets are encrypted by
 * the keyring (`webhook_endpoints.secret`, `.previous_secret`), never stored in clear.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: idColumn(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    /** Empty: every event type. */
    eventTypes: text('event_types')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    secret: text('secret').notNull(),
    /** The secret before the last rotation: still signs until `previous_secret_expires_at`. */
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: at('previous_secret_expires_at'),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    /** The first failure of the current run of failures; cleared by a success. */
    failingSince: at('failing_since'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.orgId), tenantIsolationPolicy(t.orgId)],
);

/**
 * Tenant table (RLS, FORCE): one message to one endpoint, attempted until it succeeds or its
 * retries run out. `message_id` is the `webhook-id` of every attempt and replay.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: idColumn(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    /** The outbox event delivered; null for test deliveries. */
    eventId: uuid('event_id'),
    eventType: text('event_type').notNull(),
    /** The JSON body sent: `{ type, timestamp, data }`. */
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatus: integer('last_status'),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    // An event reaches an endpoint once, however often its fan-out job runs.
    uniqueIndex('webhook_deliveries_event_idx').on(t.endpointId, t.eventId),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
    index('webhook_deliveries_created_idx').on(t.createdAt),
    tenantIsolationPolicy(t.orgId),
  ],
);

/** Tenant table (RLS, FORCE): every attempt of a delivery, as sent and as answered. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: idColumn(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    requestHeaders: jsonb('request_headers').$type<Record<string, string>>().notNull(),
    requestBody: text('request_body').notNull(),
    responseStatus: integer('response_status'),
    /** The first 4 KB. */
    responseBody: text('response_body'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    createdAt: createdAtColumn(),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId), tenantIsolationPolicy(t.orgId)],
);
