import type { Metadata } from 'next';

import { AccountPanel } from '@/app/account/account-panel';
import { VerificationErrorNotice } from '@/components/verification-error-notice';
import { firstParam, type TSearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<TSearchParams>;
}) {
  // Sign-up's verification link lands here; a bad or expired one comes back with ?error=.
  const verificationError = firstParam(await searchParams, 'error');
  return (
    <section className="mx-auto max-w-xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Your account</h1>
      {verificationError ? <VerificationErrorNotice /> : null}
      <AccountPanel />
    </section>
  );
}
