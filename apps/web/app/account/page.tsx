import type { Metadata } from 'next';

import { AccountPanel } from '@/app/account/account-panel';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Account' };

export default function AccountPage() {
  return (
    <section className="mx-auto max-w-xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Your account</h1>
      <AccountPanel />
    </section>
  );
}
