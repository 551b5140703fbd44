import { ZSignInProvider, type TSignInProvider } from '@corebase/contracts';
import { getJson, postJson, readProblem, unreachableMessage } from '@/lib/api';

export type { TSignInProvider };

/** One row of `GET /v1/auth/list-accounts`: a way the signed-in user can sign in. */
export type TSignInMethod = { id: string; providerId: string; createdAt: Date };

/** better-auth's provider id for the email-and-password account. */
export const passwordProviderId = 'credential';

/** The names people know Google and GitHub by, whatever the server calls them. */
const wellKnownNames: Record<string, string> = { google: 'Google', github: 'GitHub' };

/** What a button, a list row or a message calls a provider; its id when it is not configured. */
export function providerLabel(
  providerId: string,
  providers: readonly TSignInProvider[] | null,
): string {
  return (
    wellKnownNames[providerId] ??
    providers?.find((provider) => provider.id === providerId)?.name ??
    providerId
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** The providers in a `/v1/auth/providers` answer; entries that are not one are left out. */
export function parseProviders(answer: unknown): TSignInProvider[] {
  const list = isRecord(answer) ? answer.providers : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown) => {
    const parsed = ZSignInProvider.safeParse(entry);
    return parsed.success ? [{ ...parsed.data, name: parsed.data.name || parsed.data.id }] : [];
  });
}

/** The rows of a `/v1/auth/list-accounts` answer, oldest first; malformed rows are left out. */
export function parseSignInMethods(answer: unknown): TSignInMethod[] {
  if (!Array.isArray(answer)) return [];
  return answer
    .flatMap((row: unknown) => {
      if (!isRecord(row) || typeof row.id !== 'string' || typeof row.providerId !== 'string')
        return [];
      const createdAt = new Date(typeof row.createdAt === 'string' ? row.createdAt : Number.NaN);
      return [{ id: row.id, providerId: row.providerId, createdAt }];
    })
    .sort((a, b) => (a.createdAt.getTime() || 0) - (b.createdAt.getTime() || 0));
}

let providersRequest: Promise<TSignInProvider[]> | null = null;

/**
 * The configured providers, asked for once per page load: the sign-in buttons and the error
 * banner both need them. A failure is not kept, so the next call asks again.
 */
export function fetchProviders(): Promise<TSignInProvider[]> {
  providersRequest ??= (async () => {
    const response = await getJson('/v1/auth/providers');
    if (!response.ok) throw new Error((await readProblem(response)).message);
    return parseProviders(await response.json());
  })().catch((error: unknown) => {
    providersRequest = null;
    throw error;
  });
  return providersRequest;
}

/**
 * Where the browser goes to sign in at the provider: the `url` of a `/v1/auth/sign-in/social`
 * or `/v1/auth/link-social` answer. Only http(s) is followed, never `javascript:`.
 */
export function providerRedirectOf(answer: unknown): string | null {
  const url = isRecord(answer) ? answer.url : undefined;
  if (typeof url !== 'string') return null;
  try {
    return ['http:', 'https:'].includes(new URL(url, 'http://relative.invalid').protocol)
      ? url
      : null;
  } catch {
    return null;
  }
}

/**
 * Starts a provider's sign-in (or, signed in, the linking of it): the server answers the
 * provider's authorization URL, which the caller then opens. Resolves to that URL or to the
 * sentence to show.
 */
export async function startProviderFlow(
  path: '/v1/auth/sign-in/social' | '/v1/auth/link-social',
  body: { provider: string; callbackURL: string; errorCallbackURL: string },
): Promise<{ ok: true; url: string } | { ok: false; message: string; reason?: string }> {
  try {
    const response = await postJson(path, body);
    if (!response.ok) {
      const problem = await readProblem(response);
      return {
        ok: false,
        message: problem.message,
        ...(problem.reason ? { reason: problem.reason } : {}),
      };
    }
    const url = providerRedirectOf(await response.json().catch(() => null));
    return url
      ? { ok: true, url }
      : { ok: false, message: 'The server answered without a sign-in address. Try again.' };
  } catch {
    return { ok: false, message: unreachableMessage };
  }
}

/** A code safe to print: the `?error=` value is whatever the link says, so only a plain word. */
function displayableCode(code: string): string | null {
  return /^[a-z0-9_.-]{1,64}$/i.test(code) ? code : null;
}

/**
 * The sentence for a provider sign-in (or connection) that came back with `?error=<code>`:
 * better-auth's callback codes, and the provider's own OAuth error codes (`access_denied`).
 * `provider` is the provider's name, null when the link did not say which one.
 */
export function providerErrorMessage(
  rawCode: string,
  provider: string | null,
  purpose: 'sign-in' | 'connect' = 'sign-in',
): string {
  const code = rawCode.toLowerCase();
  const name = provider ?? 'the provider';
  const Name = provider ?? 'The provider';
  switch (code) {
    case 'account_not_linked':
      return `This address already has an account here. Sign in with your password, then connect ${name} from your account page.`;
    case 'email_not_verified':
      return `Your email address is not confirmed yet. Open the verification link we mailed you, then sign in with ${name} again.`;
    case 'signup_disabled':
      return `No account here matches your ${name} sign-in, and new accounts cannot be created with it. Ask an administrator of your organization for an invitation.`;
    case 'email_not_found':
      return `${Name} did not share your email address, so we cannot tell which account is yours. Allow access to your email address at ${name}, or sign in another way.`;
    case 'unable_to_get_user_info':
      return `${Name} did not tell us who you are. Try again; if it keeps happening, your administrator should check the provider's settings.`;
    case 'email_does_not_match':
      return `That ${name} account uses a different email address from this account. Sign in at ${name} with the same address, then connect it again.`;
    case 'account_already_linked_to_different_user':
      return `That ${name} account is already connected to another account here. Disconnect it there first, or use a different ${name} account.`;
    case 'unable_to_link_account':
      return purpose === 'connect'
        ? `${Name} has not confirmed the email address of that account, so it cannot be connected. Confirm it at ${name}, then try again.`
        : `Your ${name} sign-in could not be joined to your account here. Sign in with your password, then connect ${name} from your account page.`;
    case 'access_denied':
      return purpose === 'connect'
        ? `Connecting ${name} was cancelled. Nothing changed.`
        : `Signing in with ${name} was cancelled. Try again, or sign in another way.`;
    case 'state_mismatch':
    case 'state_not_found':
    case 'state_invalid':
    case 'state_security_mismatch':
    case 'please_restart_the_process':
      return `The ${purpose === 'connect' ? 'connection' : 'sign-in'} took too long, or was finished in another tab or browser than the one it started in. Start it again from here.`;
    case 'invalid_code':
    case 'no_code':
      return `${Name} did not complete the ${purpose === 'connect' ? 'connection' : 'sign-in'}: the code it sent back was not accepted. Try again.`;
    case 'oauth_provider_not_found':
      return `${Name} is not set up here any more. ${purpose === 'connect' ? 'Reload the page.' : 'Sign in another way.'}`;
    default: {
      const shown = displayableCode(code);
      const what =
        purpose === 'connect'
          ? `Connecting ${name}`
          : provider
            ? `Signing in with ${provider}`
            : 'That sign-in';
      return `${what} did not work${shown ? ` (${shown})` : ''}. Try again, or ${purpose === 'connect' ? 'come back later' : 'sign in another way'}.`;
    }
  }
}

/** The sentence for a refused unlink (a `/v1/auth/unlink-account` problem's reason). */
export function unlinkRefusalMessage(reason: string | undefined, fallback: string): string {
  switch (reason) {
    case 'failed_to_unlink_last_account':
      return 'This is your only way to sign in: add a password or another provider first.';
    case 'session_not_fresh':
      return 'For your safety, sign out and sign in again before removing a way to sign in.';
    default:
      return fallback;
  }
}
