import { z } from 'zod';
import {
  insertAuditEntry,
  listAuditEntries,
  type TAuditRow,
  type TListAuditFilter,
} from '#server/modules/audit/audit.repository';
import { newId } from '#server/platform/db/columns';
import type { Tx } from '#server/platform/db/database';

export const ZAuditEntry = z.object({
  /** null: a platform event, readable only by superadmins. */
  orgId: z.uuid().nullable(),
  actor: z.object({
    type: z.enum(['user', 'api_key', 'system']),
    id: z.uuid().nullable().default(null),
  }),
  /** The superadmin acting as the actor; by default the one of the current request, if any. */
  impersonatorId: z.uuid().nullable().optional(),
  /** `<area>.<verb>`, e.g. `organization.created`, `member.role_changed`. */
  action: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'expected area.verb'),
  target: z.object({ type: z.string().min(1), id: z.string().min(1) }).optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  context: z
    .object({
      ip: z.string().optional(),
      userAgent: z.string().optional(),
      requestId: z.string().optional(),
    })
    .optional(),
});

export type TAuditEntryInput = z.input<typeof ZAuditEntry>;

export type Audit = {
  /**
   * Records one entry in the caller's transaction: it commits or rolls back with the change it
   * describes. Must run inside withTenant (for orgId = that org, or null) or withPlatformAdmin.
   */
  record(tx: Tx, entry: TAuditEntryInput): Promise<string>;
  list(tx: Tx, filter: TListAuditFilter): Promise<TAuditRow[]>;
};

export type TAuditDeps = {
  /** The superadmin impersonating the current request's user, if one is (request scope). */
  currentImpersonator?: () => string | undefined;
  /** The API key the current request authenticated with, if it did (request scope). */
  currentApiKey?: () => string | undefined;
};

export function createAudit({ currentImpersonator, currentApiKey }: TAuditDeps = {}): Audit {
  return {
    async record(tx, input) {
      const entry = ZAuditEntry.parse(input);
      const id = newId();
      await insertAuditEntry(tx, {
        id,
        orgId: entry.orgId,
        actorType: entry.actor.type,
        actorId: entry.actor.id,
        impersonatorId:
          entry.impersonatorId === undefined
            ? (currentImpersonator?.() ?? null)
            : entry.impersonatorId,
        apiKeyId: currentApiKey?.() ?? null,
        action: entry.action,
        targetType: entry.target?.type ?? null,
        targetId: entry.target?.id ?? null,
        before: entry.before ?? null,
        after: entry.after ?? null,
        ip: entry.context?.ip ?? null,
        userAgent: entry.context?.userAgent ?? null,
        requestId: entry.context?.requestId ?? null,
      });
      return id;
    },
    list: listAuditEntries,
  };
}
