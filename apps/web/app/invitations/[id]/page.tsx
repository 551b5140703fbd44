import type { Metadata } from 'next';

import { InvitationPanel } from '@/app/invitations/[id]/invitation-panel';
import { VerificationErrorNotice } from '@/components/verification-error-notice';
import { firstParam, type TSearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Invitation' };

export default async function InvitationPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<TSearchParams>;
}) {
  const { id } = await params;
  // A verification link sent from this page's sign-up comes back here; a bad one adds ?error=.
  const verificationError = firstParam(await searchParams, 'error');
  return (
    <section className="mx-auto max-w-xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Invitation</h1>
      {verificationError ? <VerificationErrorNotice /> : null}
      <InvitationPanel invitationId={id} />
    </section>
  );
}
