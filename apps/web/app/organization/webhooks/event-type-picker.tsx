'use client';

import { useId } from 'react';

import { CheckboxField } from '@/components/ui/checkbox-field';
import type { TWebhookEventType } from '@/lib/webhooks-api';

/**
 * Every event type, or only some: "All events" also covers types added later, which a list of
 * every current type would not.
 */
export function EventTypePicker({
  eventTypes,
  chooseTypes,
  selected,
  onChooseTypes,
  onChange,
  error,
}: {
  /** null while the types are loading or could not be read: only "All events" is offered. */
  eventTypes: TWebhookEventType[] | null;
  chooseTypes: boolean;
  selected: string[];
  onChooseTypes: (choose: boolean) => void;
  onChange: (next: string[]) => void;
  error: string | undefined;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const radioClass =
    'size-4 shrink-0 accent-primary focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none';
  return (
    <fieldset aria-describedby={error ? errorId : undefined} className="space-y-2">
      <legend className="mb-1 text-sm font-medium">Event types</legend>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="radio"
          name={`${id}-scope`}
          checked={!chooseTypes}
          onChange={() => onChooseTypes(false)}
          className={radioClass}
        />
        All events, including types added later
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="radio"
          name={`${id}-scope`}
          checked={chooseTypes}
          disabled={eventTypes === null}
          onChange={() => onChooseTypes(true)}
          className={radioClass}
        />
        Only the types chosen below
      </label>
      {chooseTypes && eventTypes ? (
        <div className="grid gap-2 rounded-md border border-border p-3 sm:grid-cols-2">
          {eventTypes.map((type) => (
            <CheckboxField
              key={type.name}
              label={type.name}
              hint={type.description}
              checked={selected.includes(type.name)}
              onChange={(event) =>
                onChange(
                  event.target.checked
                    ? [...selected, type.name]
                    : selected.filter((name) => name !== type.name),
                )
              }
            />
          ))}
        </div>
      ) : null}
      {error ? (
        <p id={errorId} className="text-sm text-danger">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
