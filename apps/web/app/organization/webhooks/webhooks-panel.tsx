'use client';

import type { TWebhookEndpoint } from '@corebase/contracts';
import { useCallback, useEffect, useState } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import { PageLoadStatus, type TPageLoadStatus } from '@/app/organization/page-load-status';
import { useApiAction } from '@/app/organization/use-api-action';
import { EndpointActions } from '@/app/organization/webhooks/endpoint-actions';
import { EndpointFacts, EndpointState } from '@/app/organization/webhooks/endpoint-summary';
import { NewWebhookForm } from '@/app/organization/webhooks/new-webhook-form';
import { ShownSecret, type TShownSecret } from '@/app/organization/webhooks/shown-secret';
import { useWebhookEventTypes } from '@/app/organization/webhooks/use-webhook-event-types';
import { Button } from '@/components/ui/button';
import { TextLink } from '@/components/ui/text-link';
import { webhookPath } from '@/lib/webhook-form';
import { fetchWebhooks } from '@/lib/webhooks-api';

type TRun = ReturnType<typeof useApiAction>['run'];

function EndpointRow({
  endpoint,
  run,
  pending,
  onSecret,
}: {
  endpoint: TWebhookEndpoint;
  run: TRun;
  pending: string | null;
  onSecret: (shown: TShownSecret) => void;
}) {
  return (
    <li data-testid="webhook-row" className="space-y-3 px-4 py-3">
      <div className="min-w-0">
        <p className="font-medium">
          <TextLink
            href={webhookPath(endpoint.id)}
            className="font-mono text-sm break-all"
            aria-label={`Deliveries of ${endpoint.url}`}
          >
            {endpoint.url}
          </TextLink>
          <EndpointState endpoint={endpoint} />
        </p>
        {endpoint.description ? (
          <p className="text-sm break-words text-muted-foreground">{endpoint.description}</p>
        ) : null}
        <EndpointFacts endpoint={endpoint} />
      </div>
      <EndpointActions endpoint={endpoint} run={run} pending={pending} onSecret={onSecret} />
    </li>
  );
}

type TLoaded = TPageLoadStatus | { kind: 'ready'; endpoints: TWebhookEndpoint[] };

/** The organization's endpoints, a form to add one, and what can be done to each. */
export function WebhooksPanel() {
  const [loaded, setLoaded] = useState<TLoaded>({ kind: 'loading' });
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const { pending, feedback, run, setFeedback } = useApiAction(reload);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<TShownSecret | null>(null);

  useEffect(() => {
    let cancelled = false;
    // A reload keeps the list on screen until the new one arrives.
    void fetchWebhooks().then((answer) => {
      if (cancelled) return;
      if (answer.ok) setLoaded({ kind: 'ready', endpoints: answer.data });
      else if (answer.forbidden) setLoaded({ kind: 'forbidden', message: answer.message });
      else
        setLoaded((current) =>
          current.kind === 'ready' ? current : { kind: 'failed', message: answer.message },
        );
      if (!answer.ok && !answer.forbidden) setFeedback({ tone: 'error', message: answer.message });
    });
    return () => {
      cancelled = true;
    };
  }, [version, setFeedback]);

  const eventTypes = useWebhookEventTypes();

  if (loaded.kind !== 'ready') return <PageLoadStatus status={loaded} />;

  const { endpoints } = loaded;
  return (
    <section aria-labelledby="endpoints-heading" className="mt-8">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="endpoints-heading" className="text-lg font-semibold">
          Endpoints
        </h2>
        {creating ? null : (
          <Button
            variant="outline"
            size="sm"
            onClick={() => {
              setShown(null);
              setFeedback(null);
              setCreating(true);
            }}
          >
            New endpoint
          </Button>
        )}
      </div>
      <div className="mt-3 empty:hidden">
        <FeedbackNotice feedback={feedback} />
      </div>
      {creating ? (
        <NewWebhookForm
          eventTypes={eventTypes}
          onCreated={(created, outcome) => {
            setCreating(false);
            setFeedback(outcome);
            setShown({
              heading: `Signing secret of ${created.url}`,
              secret: created.secret,
              rotated: false,
            });
            reload();
          }}
          onClose={() => setCreating(false)}
        />
      ) : null}
      {shown ? (
        <ShownSecret key={shown.secret} shown={shown} onDone={() => setShown(null)} />
      ) : null}
      {endpoints.length === 0 ? (
        <p className="mt-3 text-sm text-muted-foreground">
          No endpoints yet: add one to have events sent to it.
        </p>
      ) : (
        <ul
          aria-labelledby="endpoints-heading"
          className="mt-3 divide-y divide-border rounded-lg border border-border"
        >
          {endpoints.map((endpoint) => (
            <EndpointRow
              // Keyed by its state too, so an open confirm closes on what the server holds.
              key={`${endpoint.id}:${endpoint.updatedAt}`}
              endpoint={endpoint}
              run={run}
              pending={pending}
              onSecret={setShown}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
