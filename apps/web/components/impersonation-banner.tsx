import { ImpersonationBannerView, type TBannerState } from '@/components/impersonation-banner-view';
import { sessionImpersonationOf } from '@/lib/impersonation';
import { fetchServerSession, holdsKeptSession } from '@/lib/server-session';

/**
 * Rendered by the root layout on the server, from the session, so that no page (not even its
 * first paint) shows someone else's account without saying so. Only a browser that keeps a
 * superadmin's session aside asks the API; every other page render costs nothing.
 */
export async function ImpersonationBanner() {
  if (!(await holdsKeptSession())) return null;
  const result = await fetchServerSession();
  let state: TBannerState;
  switch (result.kind) {
    case 'signed-in': {
      const impersonation = sessionImpersonationOf(result.session);
      // Signed in as themself again meanwhile (another tab stopped it): nothing to say.
      if (!impersonation) return null;
      const { name, email } = result.session.user;
      state = { kind: 'acting', user: { name, email }, impersonation };
      break;
    }
    case 'signed-out':
      // The impersonation's session is gone (stopped elsewhere, ended, expired).
      state = { kind: 'ended' };
      break;
    case 'unreachable':
      state = { kind: 'unknown' };
      break;
  }
  return <ImpersonationBannerView initial={state} />;
}
