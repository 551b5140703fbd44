'use client';

import { ShownOnce } from '@/components/shown-once';
import { textLinkClass } from '@/components/ui/text-link';
import { standardWebhooksUrl } from '@/lib/webhook-form';

/** A signing secret as the server answered it once, after a create or a rotation. */
export type TShownSecret = { heading: string; secret: string; rotated: boolean };

/** The secret, this once, with how a receiver verifies signatures with it. */
export function ShownSecret({ shown, onDone }: { shown: TShownSecret; onDone: () => void }) {
  return (
    <ShownOnce
      heading={shown.heading}
      label="Signing secret"
      noun="secret"
      value={shown.secret}
      {...(shown.rotated
        ? {
            warning:
              'Until the overlap ends, deliveries carry a signature with the previous secret too.',
          }
        : {})}
      onDone={onDone}
    >
      <p className="text-sm text-muted-foreground">
        Your receiver verifies each request with it: the <code>webhook-signature</code> header is an
        HMAC-SHA256 of <code>webhook-id</code>, <code>webhook-timestamp</code> and the raw body,
        keyed with this secret, as the{' '}
        <a href={standardWebhooksUrl} target="_blank" rel="noreferrer" className={textLinkClass}>
          Standard Webhooks specification
        </a>{' '}
        describes (its libraries verify it in one call). Corebase&rsquo;s guide,{' '}
        <code>docs/webhooks.md</code>, has code for Node.js, Python and Go; reject a timestamp more
        than five minutes old and de-duplicate on <code>webhook-id</code>.
      </p>
    </ShownOnce>
  );
}
