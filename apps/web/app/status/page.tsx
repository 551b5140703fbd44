import type { Metadata } from 'next';

import { ReadinessPanel } from '@/app/status/readiness-panel';

// Readiness is only meaningful against a live server; never prerender it at build time.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Status' };

export default function StatusPage() {
  return (
    <section className="mx-auto max-w-3xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">System status</h1>
      <p className="mt-2 text-muted-foreground">
        Live readiness of this Corebase server, refreshed every 5 seconds.
      </p>
      <ReadinessPanel />
    </section>
  );
}
