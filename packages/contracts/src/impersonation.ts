import { z } from 'zod';

/** The longest a superadmin may act as someone else in one go, in minutes. */
export const impersonationMaxMinutes = 60;
/** How long an impersonation lasts when the superadmin does not say. */
export const impersonationDefaultMinutes = 30;

export const ZStartImpersonationBody = z.object({
  /** The user to act as: not yourself, not another superadmin. */
  userId: z.uuid(),
  /** Why (a ticket, the user's request): audited, and shown to the user in the notice mail. */
  reason: z
    .string()
    .trim()
    .min(3, 'say why, in at least 3 characters')
    .max(500, 'at most 500 characters'),
  /** Minutes until it ends by itself; it is never extended. */
  minutes: z
    .number()
    .int()
    .min(1)
    .max(impersonationMaxMinutes, `at most ${impersonationMaxMinutes} minutes`)
    .default(impersonationDefaultMinutes),
});
export type TStartImpersonationBody = z.infer<typeof ZStartImpersonationBody>;

/** A user as an impersonation names them; name and email are null once the account is gone. */
export const ZImpersonationParty = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  email: z.string().nullable(),
});

/**
 * How an impersonation ended: `stopped` by a superadmin, `expired` at its end, `session_ended`
 * when its session went otherwise (signed out, revoked by the user, a password reset).
 */
export const impersonationEndReasons = ['stopped', 'expired', 'session_ended'] as const;
export const ZImpersonationEndReason = z.enum(impersonationEndReasons);

export const ZImpersonation = z.object({
  id: z.uuid(),
  /** The superadmin acting. */
  admin: ZImpersonationParty,
  /** The user acted as. */
  user: ZImpersonationParty,
  reason: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }),
  active: z.boolean(),
  endedAt: z.iso.datetime({ offset: true }).nullable(),
  endReason: ZImpersonationEndReason.nullable(),
  /** The superadmin who stopped it (null: it expired or its session ended). */
  endedBy: z.uuid().nullable(),
});
export type TImpersonation = z.infer<typeof ZImpersonation>;

/**
 * The answer to starting one. Browsers get the session cookie (the superadmin's own session is
 * kept aside and restored on stop); other clients send `token` as `Authorization: Bearer`.
 */
export const ZStartedImpersonation = ZImpersonation.extend({ token: z.string() });

export const ZStoppedImpersonation = z.object({
  impersonation: ZImpersonation,
  /** Whether this browser is signed in as the superadmin again (their session cookie is back). */
  restored: z.boolean(),
});

export const ZImpersonationParams = z.object({ id: z.uuid() });

export const ZListImpersonationsQuery = z.object({
  /** Only the running ones, or only the ended ones. */
  status: z.enum(['active', 'ended']).optional(),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type TListImpersonationsQuery = z.infer<typeof ZListImpersonationsQuery>;

export const ZImpersonationPage = z.object({
  /** Newest first. */
  data: z.array(ZImpersonation),
  nextCursor: z.string().nullable(),
});

/**
 * What the session answer (`GET /v1/auth/get-session`) adds while a superadmin acts as the
 * user: the web app shows a banner from it. Absent otherwise.
 */
export const ZSessionImpersonation = z.object({
  id: z.uuid(),
  by: z.object({ id: z.uuid(), name: z.string().nullable(), email: z.string().nullable() }),
  reason: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }),
});
export type TSessionImpersonation = z.infer<typeof ZSessionImpersonation>;

/** The response header on every answer to a request made while impersonating. */
export const impersonationHeader = 'corebase-impersonation';
