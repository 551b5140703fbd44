import { and, arrayContains, asc, desc, eq, lt, ne, or, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import {
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
} from '#server/modules/webhooks/webhooks.schema';
import type { Tx } from '#server/platform/db/database';

export type TEndpointRow = typeof webhookEndpoints.$inferSelect;
export type TDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type TAttemptRow = typeof webhookAttempts.$inferSelect;

// Every query runs in a withTenant transaction: RLS limits it to that organization's rows.

export async function insertEndpoint(
  tx: Tx,
  row: typeof webhookEndpoints.$inferInsert,
): Promise<TEndpointRow> {
  const [created] = await tx.insert(webhookEndpoints).values(row).returning();
  return created!;
}

export async function listEndpoints(tx: Tx): Promise<TEndpointRow[]> {
  return tx.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.createdAt));
}

export async function findEndpoint(tx: Tx, id: string): Promise<TEndpointRow | undefined> {
  const [row] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  return row;
}

export async function updateEndpoint(
  tx: Tx,
  id: string,
  changes: Partial<typeof webhookEndpoints.$inferInsert>,
): Promise<TEndpointRow> {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(webhookEndpoints.id, id))
    .returning();
  return row!;
}

/** Turns an enabled endpoint off; undefined when it was off already (another attempt won). */
export async function disableEndpoint(
  tx: Tx,
  id: string,
  failingSince: Date,
): Promise<TEndpointRow | undefined> {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: 'failing', failingSince, updatedAt: new Date() })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.enabled, true)))
    .returning();
  return row;
}

export async function deleteEndpoint(tx: Tx, id: string): Promise<void> {
  await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
}

/** Enabled endpoints subscribed to `eventType` (an empty filter takes every type). */
export async function findSubscribedEndpoints(tx: Tx, eventType: string): Promise<TEndpointRow[]> {
  return tx
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.enabled, true),
        or(
          sql`cardinality(${webhookEndpoints.eventTypes}) = 0`,
          arrayContains(webhookEndpoints.eventTypes, [eventType]),
        ),
      ),
    );
}

/** Inserts deliveries; one an event already has for an endpoint is left as it is. */
export async function insertDeliveries(
  tx: Tx,
  rows: (typeof webhookDeliveries.$inferInsert)[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx.insert(webhookDeliveries).values(rows).onConflictDoNothing();
}

export async function findPendingDeliveriesOfEvent(
  tx: Tx,
  eventId: string,
): Promise<TDeliveryRow[]> {
  return tx
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.eventId, eventId), eq(webhookDeliveries.status, 'pending')));
}

export async function findDelivery(tx: Tx, id: string): Promise<TDeliveryRow | undefined> {
  const [row] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  return row;
}

export async function listDeliveries(
  tx: Tx,
  filter: {
    endpointId: string;
    status?: TDeliveryRow['status'];
    before?: { createdAt: Date; id: string };
    limit: number;
  },
): Promise<TDeliveryRow[]> {
  const { before } = filter;
  return tx
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, filter.endpointId),
        filter.status ? eq(webhookDeliveries.status, filter.status) : undefined,
        before
          ? or(
              lt(webhookDeliveries.createdAt, before.createdAt),
              and(
                eq(webhookDeliveries.createdAt, before.createdAt),
                lt(webhookDeliveries.id, before.id),
              ),
            )
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(filter.limit);
}

export async function updateDelivery(
  tx: Tx,
  id: string,
  changes: PgUpdateSetSource<typeof webhookDeliveries>,
): Promise<TDeliveryRow> {
  const [row] = await tx
    .update(webhookDeliveries)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(webhookDeliveries.id, id))
    .returning();
  return row!;
}

export async function insertAttempt(
  tx: Tx,
  row: typeof webhookAttempts.$inferInsert,
): Promise<void> {
  await tx.insert(webhookAttempts).values(row);
}

export async function listAttempts(tx: Tx, deliveryId: string): Promise<TAttemptRow[]> {
  return tx
    .select()
    .from(webhookAttempts)
    .where(eq(webhookAttempts.deliveryId, deliveryId))
    .orderBy(asc(webhookAttempts.attempt), asc(webhookAttempts.createdAt));
}

/**
 * Maintenance role: finished deliveries (and their attempts, by cascade) older than `cutoff`;
 * one still being attempted stays.
 */
export async function deleteDeliveriesBefore(tx: Tx, cutoff: Date): Promise<number> {
  const rows = await tx
    .delete(webhookDeliveries)
    .where(and(lt(webhookDeliveries.createdAt, cutoff), ne(webhookDeliveries.status, 'pending')))
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}
