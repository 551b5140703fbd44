import { sql } from 'drizzle-orm';
import { newId } from '#server/platform/db/columns';
import type { Tx } from '#server/platform/db/database';
import { currentOrgId } from '#server/platform/db/rls';
import { outbox } from '#server/platform/outbox/outbox.schema';

export type TEmitMeta = {
  /** Defaults to the organization of the surrounding withTenant transaction (NULL outside one). */
  orgId?: string | null;
  requestId?: string;
};

export type Events = {
  /**
   * Writes a domain event to the outbox in the caller's transaction, so the event exists exactly
   * when the change it announces committed. The dispatcher (job platform) delivers it later.
   */
  emit(tx: Tx, name: string, payload: unknown, meta?: TEmitMeta): Promise<string>;
};

const eventName = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export function createEvents(): Events {
  return {
    async emit(tx, name, payload, meta = {}) {
      if (!eventName.test(name)) {
        throw new TypeError(`events.emit: "${name}" is not an event name (expected area.verb)`);
      }
      // Payloads travel as JSON: refuse what would not survive the trip (functions, cycles, BigInt).
      const json = JSON.stringify(payload);
      if (json === undefined) throw new TypeError(`events.emit: payload of ${name} is not JSON`);
      const id = newId();
      await tx.insert(outbox).values({
        id,
        name,
        payload: JSON.parse(json) as unknown,
        orgId: meta.orgId === undefined ? sql`${currentOrgId}` : meta.orgId,
        requestId: meta.requestId ?? null,
      });
      return id;
    },
  };
}
