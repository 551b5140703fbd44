import type { Metadata } from 'next';

import { AccountPanel } from '@/app/account/account-panel';
import type { TConnectionOutcome } from '@/app/account/sign-in-methods-section';
import { VerificationErrorNotice } from '@/components/verification-error-notice';
import { firstParam, type TSearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<TSearchParams>;
}) {
  const params = await searchParams;
  const error = firstParam(params, 'error');
  // Connecting a provider comes back here: ?connected=<id>, or ?provider=<id>&error=<code>.
  const connectingProvider = firstParam(params, 'provider');
  const connected = firstParam(params, 'connected');
  const outcome: TConnectionOutcome | null =
    connectingProvider && error
      ? { kind: 'failed', providerId: connectingProvider, code: error }
      : connected
        ? { kind: 'connected', providerId: connected }
        : null;
  // Sign-up's verification link lands here too; a bad or expired one comes back with ?error=.
  const verificationError = connectingProvider ? undefined : error;
  return (
    <section className="mx-auto max-w-xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Your account</h1>
      {verificationError ? <VerificationErrorNotice /> : null}
      <AccountPanel connectionOutcome={outcome} />
    </section>
  );
}
