import type { Metadata } from 'next';
import { redirect } from 'next/navigation';

import { WebhookDetailPanel } from '@/app/organization/webhooks/[id]/webhook-detail-panel';
import { TextLink } from '@/components/ui/text-link';
import { unreachableMessage } from '@/lib/api';
import { withNext } from '@/lib/next-path';
import { fetchServerSession } from '@/lib/server-session';
import { webhookPath, webhooksPath } from '@/lib/webhook-form';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Webhook endpoint' };

/** One endpoint: what it receives, and its delivery log with every attempt. */
export default async function WebhookPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const result = await fetchServerSession();
  if (result.kind === 'signed-out') redirect(withNext('/sign-in', webhookPath(id)));
  return (
    <section className="mx-auto max-w-4xl px-4 py-12 sm:py-16">
      <nav aria-label="Breadcrumb" className="text-sm">
        <TextLink href="/organization">Organization</TextLink>
        <span aria-hidden="true" className="px-1.5 text-muted-foreground">
          /
        </span>
        <TextLink href={webhooksPath}>Webhooks</TextLink>
      </nav>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">Webhook endpoint</h1>
      {result.kind === 'unreachable' ? (
        <p role="alert" className="mt-6">
          {unreachableMessage}
        </p>
      ) : (
        <WebhookDetailPanel id={id} />
      )}
    </section>
  );
}
