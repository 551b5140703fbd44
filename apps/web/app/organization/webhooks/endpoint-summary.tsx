import type { TWebhookEndpoint } from '@corebase/contracts';

import { formatDateTime } from '@/lib/date-time';
import { describeDisabled, describeEventTypes } from '@/lib/webhook-form';
import { cn } from '@/lib/utils';

/** Enabled or disabled, as a badge beside the URL. */
export function EndpointState({ endpoint }: { endpoint: TWebhookEndpoint }) {
  return (
    <span
      data-testid="webhook-state"
      className={cn(
        'ml-2 rounded-sm border px-1.5 py-0.5 text-xs font-normal whitespace-nowrap',
        endpoint.enabled
          ? 'border-success/60 bg-success/10'
          : 'border-danger/60 bg-danger/10 text-foreground',
      )}
    >
      {endpoint.enabled ? 'Enabled' : 'Disabled'}
    </span>
  );
}

/** What an endpoint receives and how it is doing. */
export function EndpointFacts({ endpoint }: { endpoint: TWebhookEndpoint }) {
  const disabled = describeDisabled(endpoint);
  return (
    <div className="mt-2 space-y-2 text-sm">
      {disabled ? <p className="text-danger">{disabled}</p> : null}
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
        <dt className="text-muted-foreground">Events</dt>
        <dd className="font-mono text-xs leading-5 break-words">
          {describeEventTypes(endpoint.eventTypes)}
        </dd>
        {endpoint.failingSince ? (
          <>
            <dt className="text-muted-foreground">Failing since</dt>
            <dd className="text-danger">
              <time dateTime={endpoint.failingSince}>{formatDateTime(endpoint.failingSince)}</time>
            </dd>
          </>
        ) : null}
        {endpoint.previousSecretExpiresAt &&
        new Date(endpoint.previousSecretExpiresAt).getTime() > Date.now() ? (
          <>
            <dt className="text-muted-foreground">Previous secret</dt>
            <dd>
              signs too until{' '}
              <time dateTime={endpoint.previousSecretExpiresAt}>
                {formatDateTime(endpoint.previousSecretExpiresAt)}
              </time>
            </dd>
          </>
        ) : null}
        <dt className="text-muted-foreground">Added</dt>
        <dd>
          <time dateTime={endpoint.createdAt}>{formatDateTime(endpoint.createdAt)}</time>
        </dd>
      </dl>
    </div>
  );
}
