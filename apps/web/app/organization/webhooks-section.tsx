import { TextLink } from '@/components/ui/text-link';
import { webhooksPath } from '@/lib/webhook-form';

/** Webhooks have pages of their own (endpoints, delivery logs): this only leads there. */
export function WebhooksSection() {
  return (
    <section aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading" className="text-lg font-semibold">
        Webhooks
      </h2>
      <p className="mt-1 text-sm text-muted-foreground">
        Have what happens in this organization POSTed, signed, to your own systems.{' '}
        <TextLink href={webhooksPath}>Manage webhooks</TextLink>
      </p>
    </section>
  );
}
