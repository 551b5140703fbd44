'use client';

import { ZWebhookEndpointWithSecret } from '@corebase/contracts';
import { useState, type FormEvent } from 'react';

import type { TFeedback } from '@/app/organization/use-api-action';
import { EndpointForm } from '@/app/organization/webhooks/endpoint-form';
import { postJson, readProblem } from '@/lib/api';
import { useFormSubmit } from '@/lib/use-form-submit';
import {
  formErrorsOf,
  parseCreateWebhook,
  type TWebhookFormField,
  type TWebhookFormInput,
} from '@/lib/webhook-form';
import type { TWebhookEventType } from '@/lib/webhooks-api';

/**
 * The new-endpoint form. It posts itself rather than through useApiAction: a 400 names its
 * fields (a refused URL says why), and each sentence goes next to its field.
 */
export function NewWebhookForm({
  eventTypes,
  onCreated,
  onClose,
}: {
  eventTypes: TWebhookEventType[] | null;
  onCreated: (created: { url: string; secret: string }, feedback: TFeedback) => void;
  onClose: () => void;
}) {
  const [fields, setFields] = useState<TWebhookFormInput>({
    url: '',
    description: '',
    chooseTypes: false,
    eventTypes: [],
  });
  const form = useFormSubmit<TWebhookFormField>();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.setProblem(null);
    const parsed = parseCreateWebhook(fields);
    if (!parsed.ok) {
      form.setErrors(parsed.errors);
      return;
    }
    form.setErrors({});
    await form.send(async () => {
      const response = await postJson('/v1/webhooks', parsed.body);
      if (!response.ok) {
        const refusal = await readProblem(response);
        form.showRefusal(formErrorsOf(refusal.errors), refusal.message);
        return;
      }
      const created = ZWebhookEndpointWithSecret.safeParse(await response.json().catch(() => null));
      if (!created.success) {
        form.setProblem('The endpoint was added, but its secret could not be read: rotate it.');
        return;
      }
      onCreated(
        { url: created.data.url, secret: created.data.secret },
        { tone: 'success', message: `Added the endpoint ${created.data.url}.` },
      );
    });
  }

  return (
    <EndpointForm
      title="New endpoint"
      headingId="new-webhook-heading"
      form={form}
      fields={fields}
      onFieldsChange={(change) => setFields((current) => ({ ...current, ...change }))}
      eventTypes={eventTypes}
      urlPlaceholder="https://example.com/webhooks/corebase"
      submitLabel="Add endpoint"
      pendingLabel="Adding…"
      onSubmit={onSubmit}
      onClose={onClose}
    />
  );
}
