'use client';

import type { TWebhookEndpoint } from '@corebase/contracts';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import { useApiAction } from '@/app/organization/use-api-action';
import { DeliveryLog } from '@/app/organization/webhooks/[id]/delivery-log';
import { EditWebhookForm } from '@/app/organization/webhooks/[id]/edit-webhook-form';
import { EndpointActions } from '@/app/organization/webhooks/endpoint-actions';
import { EndpointFacts, EndpointState } from '@/app/organization/webhooks/endpoint-summary';
import { ShownSecret, type TShownSecret } from '@/app/organization/webhooks/shown-secret';
import { useWebhookEventTypes } from '@/app/organization/webhooks/use-webhook-event-types';
import { Notice } from '@/components/ui/notice';
import { TextLink } from '@/components/ui/text-link';
import { webhooksPath } from '@/lib/webhook-form';
import { fetchWebhook } from '@/lib/webhooks-api';

type TLoaded =
  | { kind: 'loading' }
  | { kind: 'missing'; message: string; forbidden: boolean }
  | { kind: 'ready'; endpoint: TWebhookEndpoint };

export function WebhookDetailPanel({ id }: { id: string }) {
  const router = useRouter();
  const [loaded, setLoaded] = useState<TLoaded>({ kind: 'loading' });
  const [version, setVersion] = useState(0);
  // Bumped after a test is sent, so the log reads again and shows the new delivery.
  const [logKey, setLogKey] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const { pending, feedback, run, setFeedback } = useApiAction(reload);
  const [shown, setShown] = useState<TShownSecret | null>(null);
  const [editing, setEditing] = useState(false);
  // Once shown, a failed re-read keeps the endpoint on screen and says so in the notice.
  const shownOnce = useRef(false);
  // Deleted here: the page is on its way back to the list, its 404 is no news.
  const deleted = useRef(false);

  useEffect(() => {
    let cancelled = false;
    void fetchWebhook(id).then((answer) => {
      if (cancelled || deleted.current) return;
      if (answer.ok) {
        shownOnce.current = true;
        setLoaded({ kind: 'ready', endpoint: answer.data });
      } else if (shownOnce.current && !answer.forbidden) {
        setFeedback({ tone: 'error', message: answer.message });
      } else {
        setLoaded({ kind: 'missing', message: answer.message, forbidden: answer.forbidden });
      }
    });
    return () => {
      cancelled = true;
    };
  }, [id, version, setFeedback]);

  const eventTypes = useWebhookEventTypes();

  if (loaded.kind === 'loading') return <p className="mt-6 text-muted-foreground">Loading…</p>;
  if (loaded.kind === 'missing') {
    return (
      <Notice tone="error" className="mt-6">
        {loaded.message}{' '}
        <TextLink href={loaded.forbidden ? '/organization' : webhooksPath}>
          {loaded.forbidden ? 'Back to the organization' : 'Back to the endpoints'}
        </TextLink>
      </Notice>
    );
  }

  const { endpoint } = loaded;
  return (
    <div className="mt-6 space-y-10">
      <section aria-labelledby="endpoint-heading" className="space-y-3">
        <h2 id="endpoint-heading" className="font-mono text-lg font-semibold break-all">
          {endpoint.url}
          <EndpointState endpoint={endpoint} />
        </h2>
        {endpoint.description ? (
          <p className="break-words text-muted-foreground">{endpoint.description}</p>
        ) : null}
        <EndpointFacts endpoint={endpoint} />
        <EndpointActions
          // Keyed by its state, so an open confirm or rotation closes on what the server holds.
          key={endpoint.updatedAt}
          endpoint={endpoint}
          run={run}
          pending={pending}
          onSecret={setShown}
          onEdit={
            editing
              ? undefined
              : () => {
                  setShown(null);
                  setFeedback(null);
                  setEditing(true);
                }
          }
          onTestSent={() => setLogKey((n) => n + 1)}
          onDeleted={() => {
            deleted.current = true;
            router.push(webhooksPath);
          }}
        />
        {editing ? (
          <EditWebhookForm
            endpoint={endpoint}
            eventTypes={eventTypes}
            onSaved={(outcome) => {
              setEditing(false);
              setFeedback(outcome);
              reload();
            }}
            onClose={() => setEditing(false)}
          />
        ) : null}
        <div className="empty:hidden">
          <FeedbackNotice feedback={feedback} />
        </div>
        {shown ? (
          <ShownSecret key={shown.secret} shown={shown} onDone={() => setShown(null)} />
        ) : null}
      </section>
      <DeliveryLog endpointId={endpoint.id} refreshKey={logKey} />
    </div>
  );
}
