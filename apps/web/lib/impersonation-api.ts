import { ZStoppedImpersonation } from '@corebase/contracts';

import { postJson, readProblem, unreachableMessage } from '@/lib/api';

/** Where the superadmin lands once they are themself again. */
export const impersonationsPath = '/admin/impersonations';

export type TStopOutcome = { ok: true; to: string } | { ok: false; message: string };

/**
 * Stops acting as the user: the server ends that session and puts the superadmin's own
 * session cookie back. Where to go next is a full page load (`to`): every page and the banner
 * must be rendered again as the superadmin, not as the user.
 */
export async function stopImpersonating(): Promise<TStopOutcome> {
  let response: Response;
  try {
    response = await postJson('/v1/admin/impersonation/stop', {});
  } catch {
    return { ok: false, message: unreachableMessage };
  }
  if (response.ok) {
    const answer = ZStoppedImpersonation.safeParse(await response.json().catch(() => null));
    // Not restored: the superadmin's own session ended meanwhile; they sign in again.
    return {
      ok: true,
      to: answer.success && answer.data.restored ? impersonationsPath : '/sign-in',
    };
  }
  // No credential left at all (both sessions gone): signing in is the way back.
  if (response.status === 401) return { ok: true, to: '/sign-in' };
  // Not impersonating (any more): this page again, as it now is.
  if (response.status === 409) return { ok: true, to: window.location.href };
  return { ok: false, message: (await readProblem(response)).message };
}
