'use client';

import { ZWebhookEndpointWithSecret, type TWebhookEndpoint } from '@corebase/contracts';
import { useState, type FormEvent } from 'react';

import type { useApiAction } from '@/app/organization/use-api-action';
import type { TShownSecret } from '@/app/organization/webhooks/shown-secret';
import { Button } from '@/components/ui/button';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Field } from '@/components/ui/field';
import { overlapHours, parseOverlapHours } from '@/lib/webhook-form';

type TRun = ReturnType<typeof useApiAction>['run'];

/** The overlap asked before a rotation: the receiver may still hold the previous secret. */
function RotateSecretForm({
  endpoint,
  run,
  pending,
  onSecret,
  onClose,
}: {
  endpoint: TWebhookEndpoint;
  run: TRun;
  pending: string | null;
  onSecret: (shown: TShownSecret) => void;
  onClose: () => void;
}) {
  const [hours, setHours] = useState(String(overlapHours.default));
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = parseOverlapHours(hours);
    if (parsed === null) {
      setError(`Enter a whole number of hours from ${overlapHours.min} to ${overlapHours.max}.`);
      event.currentTarget.querySelector<HTMLInputElement>('input[name="overlapHours"]')?.focus();
      return;
    }
    setError(null);
    await run(
      `rotate:${endpoint.id}`,
      `/v1/webhooks/${endpoint.id}/rotate-secret`,
      { overlapHours: parsed },
      `Rotated the signing secret of ${endpoint.url}.`,
      (answer) => {
        const rotated = ZWebhookEndpointWithSecret.safeParse(answer);
        if (!rotated.success) return;
        onClose();
        onSecret({
          heading: `New signing secret of ${rotated.data.url}`,
          secret: rotated.data.secret,
          rotated: parsed > 0,
        });
      },
    );
  }

  return (
    <form
      onSubmit={(event) => void onSubmit(event)}
      noValidate
      aria-label={`Rotate the signing secret of ${endpoint.url}`}
      className="mt-3 flex flex-wrap items-end gap-2 rounded-md border border-border p-3"
    >
      <Field
        label="Previous secret keeps signing for (hours)"
        name="overlapHours"
        type="number"
        inputMode="numeric"
        min={overlapHours.min}
        max={overlapHours.max}
        hint={`${overlapHours.min} to ${overlapHours.max}; time to deploy the new secret. 0: it stops at once.`}
        value={hours}
        onChange={(event) => setHours(event.target.value)}
        error={error}
        className="sm:max-w-32"
        containerClassName="min-w-56 flex-1"
      />
      <Button type="submit" size="sm" disabled={pending !== null}>
        {pending === `rotate:${endpoint.id}` ? 'Rotating…' : 'Rotate secret'}
      </Button>
      <Button variant="ghost" size="sm" onClick={onClose}>
        Cancel
      </Button>
    </form>
  );
}

/**
 * What an admin does to one endpoint: edit it (where the page offers the form), switch it, try
 * it, rotate its secret, remove it.
 */
export function EndpointActions({
  endpoint,
  run,
  pending,
  onSecret,
  onEdit,
  onTestSent,
  onDeleted,
}: {
  endpoint: TWebhookEndpoint;
  run: TRun;
  pending: string | null;
  onSecret: (shown: TShownSecret) => void;
  /** Given where the edit form can open; absent, no Edit button. */
  onEdit?: () => void;
  onTestSent?: () => void;
  onDeleted?: () => void;
}) {
  const [rotating, setRotating] = useState(false);
  const busy = pending !== null;
  return (
    <div>
      <div className="flex flex-wrap gap-2">
        {onEdit ? (
          <Button
            variant="outline"
            size="sm"
            aria-label={`Edit ${endpoint.url}`}
            disabled={busy}
            onClick={onEdit}
          >
            Edit
          </Button>
        ) : null}
        <Button
          variant="outline"
          size="sm"
          aria-label={`${endpoint.enabled ? 'Disable' : 'Enable'} ${endpoint.url}`}
          disabled={busy}
          onClick={() =>
            void run(
              `toggle:${endpoint.id}`,
              `/v1/webhooks/${endpoint.id}`,
              { enabled: !endpoint.enabled },
              endpoint.enabled
                ? `Disabled ${endpoint.url}: nothing is sent to it until it is enabled.`
                : `Enabled ${endpoint.url}.`,
              undefined,
              'PATCH',
            )
          }
        >
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </Button>
        <Button
          variant="outline"
          size="sm"
          aria-label={`Send a test event to ${endpoint.url}`}
          // The server refuses a test to a disabled endpoint (409): say why before asking.
          title={endpoint.enabled ? undefined : 'Enable the endpoint to send a test event.'}
          disabled={busy || !endpoint.enabled}
          onClick={() =>
            void run(
              `test:${endpoint.id}`,
              `/v1/webhooks/${endpoint.id}/test`,
              {},
              `Sent a test event to ${endpoint.url}. Its delivery is in the endpoint's log.`,
              () => onTestSent?.(),
            )
          }
        >
          {pending === `test:${endpoint.id}` ? 'Sending…' : 'Send test'}
        </Button>
        {rotating ? null : (
          <Button
            variant="outline"
            size="sm"
            aria-label={`Rotate the signing secret of ${endpoint.url}`}
            disabled={busy}
            onClick={() => setRotating(true)}
          >
            Rotate secret
          </Button>
        )}
        <ConfirmButton
          label="Delete"
          ariaLabel={`Delete ${endpoint.url}`}
          question={`Delete ${endpoint.url}? Nothing more is sent to it, and its delivery log goes too.`}
          confirmLabel="Delete"
          disabled={busy}
          onConfirm={() =>
            void run(
              `delete:${endpoint.id}`,
              `/v1/webhooks/${endpoint.id}`,
              undefined,
              `Deleted the endpoint ${endpoint.url}.`,
              () => onDeleted?.(),
              'DELETE',
            )
          }
        />
      </div>
      {rotating ? (
        <RotateSecretForm
          endpoint={endpoint}
          run={run}
          pending={pending}
          onSecret={onSecret}
          onClose={() => setRotating(false)}
        />
      ) : null}
    </div>
  );
}
