'use client';

import { ZWebhookEndpointWithSecret } from '@corebase/contracts';
import { useRef, useState, type FormEvent } from 'react';

import { EventTypePicker } from '@/app/organization/webhooks/event-type-picker';
import type { TFeedback } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import { postJson, readProblem, unreachableMessage } from '@/lib/api';
import { useFocusFirstError } from '@/lib/use-focus-first-error';
import { formErrorsOf, parseCreateWebhook, type TWebhookFormErrors } from '@/lib/webhook-form';
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
  const formRef = useRef<HTMLFormElement>(null);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [chooseTypes, setChooseTypes] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [errors, setErrors] = useState<TWebhookFormErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  useFocusFirstError(formRef, errors);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    const parsed = parseCreateWebhook({ url, description, chooseTypes, eventTypes: selected });
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    setPending(true);
    try {
      const response = await postJson('/v1/webhooks', parsed.body);
      if (!response.ok) {
        const refusal = await readProblem(response);
        const fieldErrors = formErrorsOf(refusal.errors);
        setErrors(fieldErrors);
        if (Object.keys(fieldErrors).length === 0) setProblem(refusal.message);
        return;
      }
      const created = ZWebhookEndpointWithSecret.safeParse(await response.json().catch(() => null));
      if (!created.success) {
        setProblem('The endpoint was added, but its secret could not be read: rotate it.');
        return;
      }
      onCreated(
        { url: created.data.url, secret: created.data.secret },
        { tone: 'success', message: `Added the endpoint ${created.data.url}.` },
      );
    } catch {
      setProblem(unreachableMessage);
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      className="mt-4 space-y-4 rounded-lg border border-border p-4"
      noValidate
      aria-labelledby="new-webhook-heading"
    >
      <h3 id="new-webhook-heading" className="font-medium">
        New endpoint
      </h3>
      <Field
        label="Endpoint URL"
        name="url"
        type="url"
        inputMode="url"
        placeholder="https://example.com/webhooks/corebase"
        hint="Where events are POSTed. It must reach a public address."
        autoComplete="off"
        spellCheck={false}
        required
        maxLength={2000}
        value={url}
        onChange={(event) => setUrl(event.target.value)}
        error={errors.url}
        className="font-mono"
      />
      <Field
        label="Description"
        name="description"
        hint="Optional: what receives these events, e.g. “CRM sync”."
        autoComplete="off"
        maxLength={500}
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        error={errors.description}
      />
      <EventTypePicker
        eventTypes={eventTypes}
        chooseTypes={chooseTypes}
        selected={selected}
        onChooseTypes={setChooseTypes}
        onChange={setSelected}
        error={errors.eventTypes}
      />
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? 'Adding…' : 'Add endpoint'}
        </Button>
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
