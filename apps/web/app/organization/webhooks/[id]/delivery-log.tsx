'use client';

import type { TWebhookDelivery } from '@corebase/contracts';
import { useCallback, useEffect, useState } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import { useApiAction } from '@/app/organization/use-api-action';
import { PagedList } from '@/components/paged-list';
import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/input';
import { Notice } from '@/components/ui/notice';
import { formatDateTime } from '@/lib/date-time';
import { formatPayload } from '@/lib/jobs';
import { describeDelivery, formatBody } from '@/lib/webhook-form';
import {
  fetchDeliveries,
  fetchDelivery,
  type TDeliveryDetailView,
  type TDeliveryStatus,
  type TWebhookAttemptView,
} from '@/lib/webhooks-api';
import { usePagedList } from '@/lib/use-paged-list';
import { cn } from '@/lib/utils';

const pageSize = 25;

type TRun = ReturnType<typeof useApiAction>['run'];

const statusOptions: { value: TDeliveryStatus | ''; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'succeeded', label: 'Succeeded' },
  { value: 'failed', label: 'Failed' },
];

const statusBadge: Record<TDeliveryStatus, string> = {
  succeeded: 'border-success/60 bg-success/10',
  failed: 'border-danger/60 bg-danger/10',
  pending: 'border-warning/70 bg-warning/10',
};

const preClass =
  'max-h-72 overflow-auto rounded-md border border-border bg-muted/50 p-3 font-mono text-xs whitespace-pre-wrap break-words';

function Attempt({ attempt }: { attempt: TWebhookAttemptView }) {
  const answered =
    attempt.responseStatus === null ? 'no answer' : `answered ${attempt.responseStatus}`;
  const headers = Object.entries(attempt.requestHeaders)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  return (
    <li data-testid="delivery-attempt" className="space-y-2 px-3 py-2">
      <p>
        <span className="font-medium">Attempt {attempt.attempt}</span>{' '}
        <span
          className={cn(
            attempt.responseStatus !== null &&
              attempt.responseStatus >= 200 &&
              attempt.responseStatus < 300
              ? 'text-foreground'
              : 'text-danger',
          )}
        >
          {answered}
        </span>{' '}
        <span className="text-muted-foreground">
          in {attempt.durationMs} ms, at{' '}
          <time dateTime={attempt.createdAt}>{formatDateTime(attempt.createdAt)}</time>
        </span>
      </p>
      {attempt.error ? (
        <p className="font-mono text-xs break-words text-danger">{attempt.error}</p>
      ) : null}
      <details>
        <summary className="cursor-pointer text-sm font-medium">Request headers</summary>
        <pre className={cn(preClass, 'mt-1')}>{headers}</pre>
      </details>
      <details>
        <summary className="cursor-pointer text-sm font-medium">Request body</summary>
        <pre className={cn(preClass, 'mt-1')}>{formatBody(attempt.requestBody)}</pre>
      </details>
      <details>
        <summary className="cursor-pointer text-sm font-medium">Response body</summary>
        <pre className={cn(preClass, 'mt-1')}>{formatBody(attempt.responseBody)}</pre>
      </details>
    </li>
  );
}

/** One delivery's payload and attempts, read when opened and again on each refresh. */
function DeliveryDetails({
  endpointId,
  delivery,
  refreshKey,
  id,
}: {
  endpointId: string;
  delivery: TWebhookDelivery;
  refreshKey: number;
  id: string;
}) {
  const [detail, setDetail] = useState<TDeliveryDetailView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    void fetchDelivery(endpointId, delivery.id).then((answer) => {
      if (cancelled) return;
      if (answer.ok) {
        setDetail(answer.data);
        setError(null);
      } else setError(answer.message);
    });
    return () => {
      cancelled = true;
    };
    // updatedAt: a new attempt since the list was read.
  }, [endpointId, delivery.id, delivery.updatedAt, refreshKey]);

  return (
    <div id={id} className="mt-3 space-y-3 text-sm">
      {error ? <Notice tone="error">{error}</Notice> : null}
      {!detail && !error ? <p className="text-muted-foreground">Loading…</p> : null}
      {detail ? (
        <>
          <div>
            <h4 className="font-medium">Attempts</h4>
            {detail.attemptLog.length === 0 ? (
              <p className="text-muted-foreground">Not attempted yet.</p>
            ) : (
              <ol
                aria-label="Attempts"
                className="mt-1 divide-y divide-border rounded-md border border-border"
              >
                {detail.attemptLog.map((attempt) => (
                  <Attempt key={`${attempt.attempt}-${attempt.createdAt}`} attempt={attempt} />
                ))}
              </ol>
            )}
          </div>
          <details>
            <summary className="cursor-pointer font-medium">Payload</summary>
            <pre className={cn(preClass, 'mt-1')}>{formatPayload(detail.payload)}</pre>
          </details>
        </>
      ) : null}
    </div>
  );
}

function DeliveryRow({
  endpointId,
  delivery,
  refreshKey,
  run,
  pending,
}: {
  endpointId: string;
  delivery: TWebhookDelivery;
  refreshKey: number;
  run: TRun;
  pending: string | null;
}) {
  const [open, setOpen] = useState(false);
  const detailsId = `delivery-${delivery.id}`;
  const when = formatDateTime(delivery.createdAt);
  return (
    <li data-testid="delivery-row" className="px-4 py-3">
      <div className="flex flex-wrap items-baseline justify-between gap-x-3">
        <h3 className="font-mono font-medium break-all">{delivery.eventType}</h3>
        <time dateTime={delivery.createdAt} className="text-sm text-muted-foreground">
          {when}
        </time>
      </div>
      <p className="mt-1 text-sm">
        <span
          className={cn(
            'mr-2 rounded-sm border px-1.5 py-0.5 text-xs capitalize',
            statusBadge[delivery.status],
          )}
        >
          {delivery.status}
        </span>
        <span data-testid="delivery-summary">{describeDelivery(delivery)}</span>
      </p>
      <p className="mt-1 font-mono text-xs break-all text-muted-foreground">
        webhook-id {delivery.messageId}
      </p>
      <div className="mt-1 flex flex-wrap items-center gap-2">
        <Button
          variant="link"
          size="sm"
          className="h-auto px-0 py-1"
          aria-expanded={open}
          aria-controls={detailsId}
          onClick={() => setOpen((value) => !value)}
        >
          {open ? 'Hide attempts' : 'Show attempts'}
        </Button>
        {delivery.status === 'pending' ? null : (
          <Button
            variant="outline"
            size="sm"
            aria-label={`Replay ${delivery.eventType} of ${when}`}
            disabled={pending !== null}
            onClick={() =>
              void run(
                `replay:${delivery.id}`,
                `/v1/webhooks/${endpointId}/deliveries/${delivery.id}/replay`,
                {},
                `Replaying ${delivery.eventType} with the same webhook-id.`,
              )
            }
          >
            {pending === `replay:${delivery.id}` ? 'Replaying…' : 'Replay'}
          </Button>
        )}
      </div>
      {open ? (
        <DeliveryDetails
          endpointId={endpointId}
          delivery={delivery}
          refreshKey={refreshKey}
          id={detailsId}
        />
      ) : null}
    </li>
  );
}

/**
 * The endpoint's deliveries, newest first, a page at a time, of one status or all. Retries
 * happen in the background, so Refresh reads the first page (and any open delivery) again.
 */
export function DeliveryLog({
  endpointId,
  refreshKey,
}: {
  endpointId: string;
  /** Changed by the page when it sent something that belongs in the log. */
  refreshKey: number;
}) {
  const [status, setStatus] = useState<TDeliveryStatus | ''>('');
  const fetchPage = useCallback(
    (cursor: string | null) =>
      fetchDeliveries({ endpointId, status: status || null, cursor, limit: pageSize }),
    [endpointId, status],
  );
  const list = usePagedList(fetchPage);
  const { state, load } = list;
  const [refreshes, setRefreshes] = useState(0);
  const refresh = useCallback(() => setRefreshes((n) => n + 1), []);
  const { pending, feedback, run } = useApiAction(refresh);

  useEffect(() => {
    void load(null);
  }, [load, refreshKey, refreshes]);

  const version = refreshKey + refreshes;
  const empty = status
    ? `No ${status} deliveries.`
    : 'Nothing was delivered yet: send a test event, or wait for something to happen.';

  return (
    <section aria-labelledby="deliveries-heading" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="deliveries-heading" className="text-xl font-semibold">
          Deliveries
        </h2>
        <div className="flex items-end gap-2">
          <div>
            <label htmlFor="delivery-status" className="text-sm font-medium">
              Status
            </label>
            <Select
              id="delivery-status"
              className="mt-1"
              value={status}
              onChange={(event) => setStatus(event.target.value as TDeliveryStatus | '')}
            >
              {statusOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </Select>
          </div>
          <Button variant="outline" disabled={state.loading !== null} onClick={refresh}>
            {state.loading === 'first' && state.items.length > 0 ? 'Refreshing…' : 'Refresh'}
          </Button>
        </div>
      </div>
      <p className="text-sm text-muted-foreground">
        Every attempt is logged as sent and as answered. Replaying a finished delivery sends it
        again with the same <code>webhook-id</code>, so a receiver that de-duplicates ignores a copy
        it already handled.
      </p>
      <div className="empty:hidden">
        <FeedbackNotice feedback={feedback} />
      </div>
      <PagedList
        list={list}
        headingId="deliveries-heading"
        empty={empty}
        emptyTestId="deliveries-empty"
        renderItem={(delivery) => (
          <DeliveryRow
            endpointId={endpointId}
            delivery={delivery}
            refreshKey={version}
            run={run}
            pending={pending}
          />
        )}
      />
    </section>
  );
}
