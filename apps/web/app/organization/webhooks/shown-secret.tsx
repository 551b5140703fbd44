'use client';

import { useEffect, useId, useRef, useState } from 'react';

import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Notice } from '@/components/ui/notice';
import { textLinkClass } from '@/components/ui/text-link';
import { standardWebhooksUrl } from '@/lib/webhook-form';

/** A signing secret as the server answered it once, after a create or a rotation. */
export type TShownSecret = { heading: string; secret: string; rotated: boolean };

/** The secret, this once: read-only, selected on focus, with a Copy button and how to use it. */
export function ShownSecret({ shown, onDone }: { shown: TShownSecret; onDone: () => void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const id = useId();
  const noteId = `${id}-note`;

  // The secret is what the person came for: take them to it.
  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(shown.secret);
      setCopied('yes');
    } catch {
      inputRef.current?.select();
      setCopied('failed');
    }
  }

  return (
    <section
      aria-labelledby={`${id}-heading`}
      className="mt-4 space-y-3 rounded-lg border border-warning/70 p-4"
    >
      <h3 id={`${id}-heading`} className="font-medium break-all">
        {shown.heading}
      </h3>
      <Notice tone="warning" id={noteId}>
        Copy it now: it is not shown again.
        {shown.rotated
          ? ' Until the overlap ends, deliveries carry a signature with the previous secret too.'
          : ''}
      </Notice>
      <div>
        <label htmlFor={id} className="text-sm font-medium">
          Signing secret
        </label>
        <div className="mt-1 flex flex-col gap-2 sm:flex-row">
          <Input
            ref={inputRef}
            id={id}
            readOnly
            value={shown.secret}
            aria-describedby={noteId}
            spellCheck={false}
            autoComplete="off"
            onFocus={(event) => event.currentTarget.select()}
            className="font-mono"
          />
          <Button variant="outline" onClick={() => void copy()}>
            Copy
          </Button>
        </div>
        <p role="status" className="mt-1 text-sm text-muted-foreground empty:hidden">
          {copied === 'yes'
            ? 'Copied to the clipboard.'
            : copied === 'failed'
              ? 'Copying did not work here; the secret is selected, copy it yourself.'
              : ''}
        </p>
      </div>
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
      <Button variant="ghost" size="sm" onClick={onDone}>
        I have copied it
      </Button>
    </section>
  );
}
