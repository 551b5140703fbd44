import type { Metadata } from 'next';
import { redirect } from 'next/navigation';

import { ReportsPanel } from '@/app/organization/reports/reports-panel';
import { TextLink } from '@/components/ui/text-link';
import { unreachableMessage } from '@/lib/api';
import { withNext } from '@/lib/next-path';
import { reportsPath } from '@/lib/report-form';
import { fetchServerSession } from '@/lib/server-session';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Reports' };

/** The caller's reports in the active organization; the API decides which kinds they may ask. */
export default async function ReportsPage() {
  const result = await fetchServerSession();
  if (result.kind === 'signed-out') redirect(withNext('/sign-in', reportsPath));
  return (
    <section className="mx-auto max-w-3xl px-4 py-12 sm:py-16">
      <nav aria-label="Breadcrumb" className="text-sm">
        <TextLink href="/organization">Organization</TextLink>
      </nav>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">Reports</h1>
      <p className="mt-3 text-muted-foreground">
        The organization&rsquo;s members or its activity as a CSV or PDF file, made in the
        background. You are notified when one is ready; its file is kept for a while, then deleted.
      </p>
      {result.kind === 'unreachable' ? (
        <p role="alert" className="mt-6">
          {unreachableMessage}
        </p>
      ) : (
        <ReportsPanel />
      )}
    </section>
  );
}
