'use client';

import type { FormEvent, ReactNode, RefObject } from 'react';

import { EventTypePicker } from '@/app/organization/webhooks/event-type-picker';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import type { TWebhookFormErrors, TWebhookFormInput } from '@/lib/webhook-form';
import type { TWebhookEventType } from '@/lib/webhooks-api';

/**
 * The form around an endpoint's URL, description and event types, as the new and the edit form
 * both show it; what the form sends, and any field of its own (`children`), is theirs.
 */
export function EndpointForm({
  title,
  headingId,
  form,
  fields,
  onFieldsChange,
  eventTypes,
  urlPlaceholder,
  submitLabel,
  pendingLabel,
  onSubmit,
  onClose,
  children,
}: {
  title: string;
  headingId: string;
  /** From useFormSubmit. */
  form: {
    formRef: RefObject<HTMLFormElement | null>;
    errors: TWebhookFormErrors;
    problem: string | null;
    pending: boolean;
  };
  fields: TWebhookFormInput;
  onFieldsChange: (change: Partial<TWebhookFormInput>) => void;
  eventTypes: TWebhookEventType[] | null;
  /** An example address, for a form that does not hold one yet. */
  urlPlaceholder?: string;
  submitLabel: string;
  pendingLabel: string;
  onSubmit: (event: FormEvent<HTMLFormElement>) => Promise<void>;
  onClose: () => void;
  children?: ReactNode;
}) {
  const { formRef, errors, problem, pending } = form;
  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      className="mt-4 space-y-4 rounded-lg border border-border p-4"
      noValidate
      aria-labelledby={headingId}
    >
      <h3 id={headingId} className="font-medium">
        {title}
      </h3>
      <Field
        label="Endpoint URL"
        name="url"
        type="url"
        inputMode="url"
        placeholder={urlPlaceholder}
        hint="Where events are POSTed. It must reach a public address."
        autoComplete="off"
        spellCheck={false}
        required
        maxLength={2000}
        value={fields.url}
        onChange={(event) => onFieldsChange({ url: event.target.value })}
        error={errors.url}
        className="font-mono"
      />
      <Field
        label="Description"
        name="description"
        hint="Optional: what receives these events, e.g. “CRM sync”."
        autoComplete="off"
        maxLength={500}
        value={fields.description}
        onChange={(event) => onFieldsChange({ description: event.target.value })}
        error={errors.description}
      />
      <EventTypePicker
        eventTypes={eventTypes}
        chooseTypes={fields.chooseTypes}
        selected={fields.eventTypes}
        onChooseTypes={(chooseTypes) => onFieldsChange({ chooseTypes })}
        onChange={(selected) => onFieldsChange({ eventTypes: selected })}
        error={errors.eventTypes}
      />
      {children}
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? pendingLabel : submitLabel}
        </Button>
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
