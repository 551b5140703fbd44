import type { Metadata } from 'next';
import { redirect } from 'next/navigation';

import { WebhooksPanel } from '@/app/organization/webhooks/webhooks-panel';
import { TextLink } from '@/components/ui/text-link';
import { unreachableMessage } from '@/lib/api';
import { withNext } from '@/lib/next-path';
import { fetchServerSession } from '@/lib/server-session';
import { webhooksPath } from '@/lib/webhook-form';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Webhooks' };

/** The active organization's webhook endpoints; the API decides who may see them. */
export default async function WebhooksPage() {
  const result = await fetchServerSession();
  if (result.kind === 'signed-out') redirect(withNext('/sign-in', webhooksPath));
  return (
    <section className="mx-auto max-w-3xl px-4 py-12 sm:py-16">
      <nav aria-label="Breadcrumb" className="text-sm">
        <TextLink href="/organization">Organization</TextLink>
      </nav>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">Webhooks</h1>
      <p className="mt-3 text-muted-foreground">
        Corebase POSTs what happens in this organization to these addresses, signed with each
        endpoint&rsquo;s secret. A failed delivery is retried for about a day; every attempt is in
        the endpoint&rsquo;s delivery log.
      </p>
      {result.kind === 'unreachable' ? (
        <p role="alert" className="mt-6">
          {unreachableMessage}
        </p>
      ) : (
        <WebhooksPanel />
      )}
    </section>
  );
}
