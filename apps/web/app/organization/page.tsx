import type { Metadata } from 'next';

import { OrganizationPanel } from '@/app/organization/organization-panel';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Organization' };

export default function OrganizationPage() {
  return (
    <section className="mx-auto max-w-3xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Organization</h1>
      <OrganizationPanel />
    </section>
  );
}
