import type { TEventDefinition } from '@corebase/contracts';
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
  emit<P>(tx: Tx, event: TEventDefinition<P>, payload: P, meta?: TEmitMeta): Promise<string>;
};

const eventName = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export function createEvents(): Events {
  return {
    async emit(tx, event, payload, meta = {}) {
      const { name } = event;
      if (!eventName.test(name)) {
        throw new TypeError(`events.emit: "${name}" is not an event name (expected area.verb)`);
      }
      // Payloads travel as JSON: refuse what would not survive the trip (functions, cycles, BigInt).
      const json = JSON.stringify(payload);
      if (json === undefined) throw new TypeError(`events.emit: payload of ${name} is not JSON`);
      // Checked as subscribers will read it (after the JSON trip): a mismatch is a bug in the
      // emitting module, caught by its tests rather than by a consumer in production.
      const parsed = event.schema.safeParse(JSON.parse(json));
      if (!parsed.success) {
        const issues = parsed.error.issues.map(
          (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
        );
        throw new TypeError(
          `events.emit: payload of ${name} v${event.version}: ${issues.join('; ')}`,
        );
      }
      const id = newId();
      await tx.insert(outbox).values({
        id,
        name,
        version: event.version,
        payload: parsed.data,
        orgId: meta.orgId === undefined ? sql`${currentOrgId}` : meta.orgId,
        requestId: meta.requestId ?? null,
      });
      return id;
    },
  };
}
