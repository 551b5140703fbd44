import { isAPIError } from 'better-auth/api';
import type { TAuditEntryInput } from '#server/modules/audit/audit.service';

/** better-auth endpoint → the audit action its outcome is recorded as. */
const actions: Record<string, { ok: string; failed?: string }> = {
  '/sign-in/email': { ok: 'auth.signed_in', failed: 'auth.sign_in_failed' },
  '/sign-up/email': { ok: 'auth.signed_up' },
  '/sign-out': { ok: 'auth.signed_out' },
  '/verify-email': { ok: 'auth.email_verified' },
  '/request-password-reset': { ok: 'auth.password_reset_requested' },
  '/reset-password': { ok: 'auth.password_reset', failed: 'auth.password_reset_failed' },
  '/change-password': { ok: 'auth.password_changed', failed: 'auth.password_change_failed' },
  '/change-email': { ok: 'auth.email_change_requested' },
  '/update-user': { ok: 'auth.profile_updated' },
  '/delete-user': { ok: 'auth.account_deleted', failed: 'auth.account_delete_failed' },
  '/revoke-session': { ok: 'auth.session_revoked' },
  '/revoke-sessions': { ok: 'auth.sessions_revoked' },
  '/revoke-other-sessions': { ok: 'auth.other_sessions_revoked' },
  '/organization/create': { ok: 'organization.created' },
  '/organization/update': { ok: 'organization.updated' },
  '/organization/set-active': { ok: 'organization.activated' },
  '/organization/invite-member': { ok: 'invitation.created' },
  '/organization/cancel-invitation': { ok: 'invitation.revoked' },
  '/organization/accept-invitation': { ok: 'invitation.accepted' },
  '/organization/reject-invitation': { ok: 'invitation.declined' },
  '/organization/remove-member': { ok: 'member.removed' },
  '/organization/update-member-role': {
    ok: 'member.role_changed',
    failed: 'member.role_change_refused',
  },
  '/organization/leave': { ok: 'member.left' },
  '/two-factor/enable': {
    ok: 'auth.two_factor_setup_started',
    failed: 'auth.two_factor_change_failed',
  },
  '/two-factor/disable': {
    ok: 'auth.two_factor_disabled',
    failed: 'auth.two_factor_change_failed',
  },
  '/two-factor/generate-backup-codes': {
    ok: 'auth.backup_codes_regenerated',
    failed: 'auth.two_factor_change_failed',
  },
  '/two-factor/get-totp-uri': { ok: 'auth.two_factor_secret_viewed' },
  '/unlink-account': {
    ok: 'auth.sign_in_method_removed',
    failed: 'auth.sign_in_method_remove_failed',
  },
  '/sign-in/social': { ok: 'auth.signed_in', failed: 'auth.sign_in_failed' },
  '/callback/:id': { ok: 'auth.signed_in', failed: 'auth.oauth_sign_in_failed' },
  '/two-factor/verify-totp': { ok: 'auth.signed_in', failed: 'auth.two_factor_failed' },
  '/two-factor/verify-backup-code': { ok: 'auth.signed_in', failed: 'auth.two_factor_failed' },
};

/** How a completed sign-in proved itself, by endpoint. */
const signInMethods: Record<string, string> = {
  '/sign-in/email': 'password',
  '/two-factor/verify-totp': 'password+totp',
  '/two-factor/verify-backup-code': 'password+backup_code',
};

const isTwoFactorChallenge = (returned: unknown): boolean =>
  typeof returned === 'object' &&
  returned !== null &&
  (returned as { twoFactorRedirect?: unknown }).twoFactorRedirect === true;

/** Endpoints that end in a session, which the two-factor challenge may hold back. */
export const signInPaths = new Set(['/sign-in/email', '/sign-in/social', '/callback/:id']);

/** Whether calls to this endpoint are audited (their caller is worth looking up first). */
export const isAuditedPath = (path: string): boolean => path in actions;

export type TAuthCall = {
  path: string;
  returned: unknown;
  /** The signed-in user before the call, or the one it signed in. */
  userId: string | null;
  /** Whether the caller was signed in before the call (a second factor then is no sign-in). */
  hadSession: boolean;
  /** Whether that caller had two-factor on already (verifying a code then changes nothing). */
  callerTwoFactorEnabled: boolean;
  activeOrganizationId: string | null;
  body: Record<string, unknown> | undefined;
  headers: Headers | undefined;
  /** The OAuth or OpenID Connect provider of a social sign-in or its callback. */
  provider?: string | undefined;
  /** Whether the call created a session (a completed sign-in). */
  signedIn?: boolean;
};

/** Where a redirect answer (better-auth throws them as errors with a Location) sends the browser. */
function locationOf(returned: unknown): URL | undefined {
  const headers = (returned as { headers?: unknown } | undefined)?.headers;
  const location =
    headers instanceof Headers
      ? headers.get('location')
      : typeof headers === 'object' && headers !== null
        ? ((headers as Record<string, unknown>).location ??
          (headers as Record<string, unknown>).Location)
        : undefined;
  if (typeof location !== 'string') return undefined;
  try {
    return new URL(location, 'http://relative.invalid');
  } catch {
    return undefined;
  }
}

/**
 * A provider sign-in's outcome. Starting one (a redirect to the provider) is no event; the
 * callback is a redirect either way, to the app or to the error page with `?error=`. A callback
 * that links a provider to the signed-in user is recorded when the account is created.
 */
function socialOutcome(call: TAuthCall): { ok: boolean; reason?: string } | undefined {
  if (call.path === '/sign-in/social') {
    if (call.signedIn || isTwoFactorChallenge(call.returned)) return { ok: true };
    return isAPIError(call.returned) ? { ok: false } : undefined;
  }
  const location = locationOf(call.returned);
  if (location?.searchParams.get('two-factor') === 'required') return { ok: true };
  const error = location?.searchParams.get('error');
  if (call.signedIn && !error) return { ok: true };
  if (!error) return undefined;
  return { ok: false, reason: error };
}

/**
 * The audit entry for one call of a better-auth endpoint, or undefined when it is not a security
 * event. Passwords and tokens in the body are never copied; a failed sign-in records the email it
 * was tried with (the target of a credential-stuffing attack is what an operator looks for).
 */
export function securityEventOf(call: TAuthCall): TAuditEntryInput | undefined {
  const action = actions[call.path];
  if (!action) return undefined;
  const social =
    call.path === '/sign-in/social' || call.path === '/callback/:id'
      ? socialOutcome(call)
      : undefined;
  if ((call.path === '/sign-in/social' || call.path === '/callback/:id') && !social) {
    return undefined;
  }
  const failed = social ? !social.ok : isAPIError(call.returned);
  let name = failed ? action.failed : action.ok;
  const details: Record<string, unknown> = {};
  if (social) {
    details.provider = call.provider;
    if (social.ok) details.method = 'oauth';
    else if (social.reason) details.reason = social.reason;
    if (call.hadSession) details.link = true;
  }
  const challenged =
    isTwoFactorChallenge(call.returned) ||
    (social?.ok === true && !call.signedIn && !call.hadSession);
  if (!failed && signInPaths.has(call.path) && challenged) {
    // The password was right; the session waits for the second factor.
    name = 'auth.two_factor_challenged';
  } else if (!failed && call.path === '/two-factor/verify-totp' && call.hadSession) {
    // A signed-in user's first code confirms the secret: two-factor is on from now.
    name = call.callerTwoFactorEnabled ? 'auth.two_factor_verified' : 'auth.two_factor_enabled';
  } else if (!failed && name === 'auth.signed_in' && !social) {
    details.method = signInMethods[call.path];
  }
  if (!name) return undefined;
  // A new organization's id is in the answer; other calls name theirs or act in the active one.
  const createdId =
    call.path === '/organization/create' && !failed
      ? (call.returned as { id?: unknown } | undefined)?.id
      : undefined;
  const organizationId =
    typeof createdId === 'string'
      ? createdId
      : typeof call.body?.organizationId === 'string'
        ? call.body.organizationId
        : call.activeOrganizationId;
  const isOrgEvent = call.path.startsWith('/organization/');
  const email =
    typeof call.body?.email === 'string' ? call.body.email.trim().toLowerCase() : undefined;
  if (email) details.email = email;
  if (failed && !details.reason)
    details.reason = (call.returned as { body?: { code?: string } }).body?.code ?? 'failed';
  for (const key of [
    'role',
    'memberId',
    'memberIdOrEmail',
    'invitationId',
    'name',
    'slug',
    'providerId',
  ] as const) {
    if (typeof call.body?.[key] === 'string') details[key] = call.body[key];
  }
  return {
    orgId: isOrgEvent && organizationId ? organizationId : null,
    actor: { type: 'user', id: call.userId },
    action: name,
    ...(call.userId ? { target: { type: 'user', id: call.userId } } : {}),
    after: details,
    context: {
      ip: call.headers?.get('x-corebase-client-ip') ?? undefined,
      userAgent: call.headers?.get('user-agent') ?? undefined,
      requestId: call.headers?.get('x-request-id') ?? undefined,
    },
  };
}
