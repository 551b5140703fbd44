import { z } from 'zod';
import { ZDateTimeInput } from './datetime.ts';

export const ZAuditEntry = z.object({
  id: z.uuid(),
  orgId: z.uuid().nullable(),
  actorType: z.enum(['user', 'api_key', 'system']),
  actorId: z.uuid().nullable(),
  /** The superadmin acting as `actorId` when this happened (impersonation); null otherwise. */
  impersonatorId: z.uuid().nullable(),
  /** The API key the actor's request came with (a key acts as its creator); null otherwise. */
  apiKeyId: z.uuid().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type TAuditEntry = z.infer<typeof ZAuditEntry>;

export const ZListAuditQuery = z
  .object({
    /** Only entries by this actor (user or API key id). */
    actor: z.uuid().optional(),
    /** Only this action, e.g. `member.role_changed`. */
    action: z
      .string()
      .regex(/^[a-z][a-z0-9_.]*$/, 'expected an action such as organization.created')
      .max(100)
      .optional(),
    /** Entries at or after this time (ISO 8601). */
    from: ZDateTimeInput.optional(),
    /** Entries before this time (ISO 8601). */
    to: ZDateTimeInput.optional(),
    /** The `nextCursor` of the previous page. */
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['from'],
  });
export type TListAuditQuery = z.infer<typeof ZListAuditQuery>;

export const ZAuditPage = z.object({
  data: z.array(ZAuditEntry),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
