import {
  ZSessionImpersonation,
  ZStartImpersonationBody,
  impersonationDefaultMinutes,
  impersonationMaxMinutes,
  type TImpersonation,
  type TSessionImpersonation,
  type TStartImpersonationBody,
} from '@corebase/contracts';

export { impersonationDefaultMinutes, impersonationMaxMinutes };

/**
 * The cookie in which the server keeps the superadmin's own session while they impersonate
 * (apps/server/src/modules/impersonation/impersonation.sessions.ts: better-auth's
 * `createAuthCookie('impersonator_session')`, default prefix, `__Secure-` over HTTPS). Only a
 * browser holding it can be impersonating, so pages of everyone else never ask for the session.
 */
export const keptSessionCookieNames = [
  'better-auth.impersonator_session',
  '__Secure-better-auth.impersonator_session',
] as const;

/** What the session answer says about an impersonation, or null when there is none (or junk). */
export function sessionImpersonationOf(session: unknown): TSessionImpersonation | null {
  if (!session || typeof session !== 'object' || !('impersonation' in session)) return null;
  const parsed = ZSessionImpersonation.safeParse(session.impersonation);
  return parsed.success ? parsed.data : null;
}

/** A person as a sentence names them: the name, else the address, else the fallback. */
export function personLabel(
  party: { name: string | null; email: string | null } | null | undefined,
  fallback = 'someone',
): string {
  return party?.name?.trim() || party?.email?.trim() || fallback;
}

/** Time left as a clock reads it: `29:41`, `1:00:00`; never negative. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${ss}` : `${minutes}:${ss}`;
}

/**
 * A time of day the server and the browser render alike (UTC): the banner's first paint, before
 * the browser swaps in its own time zone. Anything else would not hydrate.
 */
export function formatUtcTime(iso: string): string {
  const date = new Date(iso);
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${hh}:${mm} UTC`;
}

/** How an ended impersonation ended, in words; `viewerId` is the superadmin reading the list. */
export function endedHow(impersonation: TImpersonation, viewerId: string | null): string {
  switch (impersonation.endReason) {
    case 'stopped':
      if (impersonation.endedBy === viewerId) return 'Stopped by you';
      if (impersonation.endedBy === impersonation.admin.id) {
        return `Stopped by ${personLabel(impersonation.admin, 'its superadmin')}`;
      }
      return 'Ended by another superadmin';
    case 'expired':
      return 'Expired';
    case 'session_ended':
      return 'Its session ended (signed out or revoked)';
    case null:
      return 'Running';
  }
}

export type TStartFormInput = { userId: string; reason: string; minutes: string };
export type TStartFormErrors = Partial<Record<keyof TStartFormInput, string>>;

const messages: Required<TStartFormErrors> = {
  userId: 'Choose a member, or enter the user ID (a UUID) of the person to act as.',
  reason: 'Say why, in 3 to 500 characters: the person is told in a mail.',
  minutes: `Enter a whole number of minutes from 1 to ${impersonationMaxMinutes}.`,
};

type TParsedStart =
  { ok: true; body: TStartImpersonationBody } | { ok: false; errors: TStartFormErrors };

/** The start form checked with the contract's own schema; empty minutes mean its default. */
export function parseStartImpersonation(input: TStartFormInput): TParsedStart {
  const minutes = input.minutes.trim();
  const result = ZStartImpersonationBody.safeParse({
    userId: input.userId.trim(),
    reason: input.reason,
    ...(minutes === '' ? {} : { minutes: /^\d+$/.test(minutes) ? Number(minutes) : Number.NaN }),
  });
  if (result.success) return { ok: true, body: result.data };
  const errors: TStartFormErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (field === 'userId' || field === 'reason' || field === 'minutes') {
      errors[field] ??= messages[field];
    }
  }
  return { ok: false, errors };
}

/** The server's own word on a field of the start form (a 400 `validation_failed`). */
export function startFieldErrors(
  errors: readonly { in: string; field: string; message: string }[] | undefined,
): TStartFormErrors {
  const found: TStartFormErrors = {};
  for (const error of errors ?? []) {
    if (error.in !== 'body') continue;
    const field = error.field.split('.')[0];
    if (field === 'userId' || field === 'reason' || field === 'minutes') {
      found[field] ??= messages[field];
    }
  }
  return found;
}
