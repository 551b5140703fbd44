'use client';

import { ZWebhookEndpoint, type TWebhookEndpoint } from '@corebase/contracts';
import { useState, type FormEvent } from 'react';

import type { TFeedback } from '@/app/organization/use-api-action';
import { EndpointForm } from '@/app/organization/webhooks/endpoint-form';
import { CheckboxField } from '@/components/ui/checkbox-field';
import { readProblem, sendJson } from '@/lib/api';
import { useFormSubmit } from '@/lib/use-form-submit';
import {
  formErrorsOf,
  parseUpdateWebhook,
  type TWebhookFormField,
  type TWebhookFormInput,
} from '@/lib/webhook-form';
import type { TWebhookEventType } from '@/lib/webhooks-api';

/**
 * The endpoint's URL, description, event types and switch, as one form. Like the new-endpoint
 * form it sends itself: a 400 names its fields (a refused URL says why), and each sentence goes
 * next to its field; any other refusal is shown under the form.
 */
export function EditWebhookForm({
  endpoint,
  eventTypes,
  onSaved,
  onClose,
}: {
  endpoint: TWebhookEndpoint;
  eventTypes: TWebhookEventType[] | null;
  onSaved: (feedback: TFeedback) => void;
  onClose: () => void;
}) {
  const [fields, setFields] = useState<TWebhookFormInput>({
    url: endpoint.url,
    description: endpoint.description,
    chooseTypes: endpoint.eventTypes.length > 0,
    eventTypes: endpoint.eventTypes,
  });
  const [enabled, setEnabled] = useState(endpoint.enabled);
  const form = useFormSubmit<TWebhookFormField>();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.setProblem(null);
    const parsed = parseUpdateWebhook({ ...fields, enabled }, endpoint);
    if (!parsed.ok) {
      form.setErrors(parsed.errors);
      return;
    }
    form.setErrors({});
    const body = parsed.body;
    if (body === null) {
      onSaved({ tone: 'success', message: 'Nothing changed: the endpoint is as it was.' });
      return;
    }
    await form.send(async () => {
      const response = await sendJson(
        'PATCH',
        `/v1/webhooks/${encodeURIComponent(endpoint.id)}`,
        body,
      );
      if (!response.ok) {
        const refusal = await readProblem(response);
        form.showRefusal(formErrorsOf(refusal.errors), refusal.message);
        return;
      }
      const saved = ZWebhookEndpoint.safeParse(await response.json().catch(() => null));
      onSaved({
        tone: 'success',
        message: `Saved the endpoint ${saved.success ? saved.data.url : endpoint.url}.`,
      });
    });
  }

  return (
    <EndpointForm
      title="Edit endpoint"
      headingId="edit-webhook-heading"
      form={form}
      fields={fields}
      onFieldsChange={(change) => setFields((current) => ({ ...current, ...change }))}
      eventTypes={eventTypes}
      submitLabel="Save changes"
      pendingLabel="Saving…"
      onSubmit={onSubmit}
      onClose={onClose}
    >
      <CheckboxField
        label="Enabled"
        name="enabled"
        hint="Nothing is sent to a disabled endpoint. Enabling one starts its failure clock afresh."
        checked={enabled}
        onChange={(event) => setEnabled(event.currentTarget.checked)}
      />
    </EndpointForm>
  );
}
