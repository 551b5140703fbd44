'use client';

import {
  ZUpdateOrganizationSettingsBody,
  type TOrganizationSettings,
  type TUpdateOrganizationSettingsBody,
} from '@corebase/contracts';
import { useId, useState, type FormEvent } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import { useApiAction } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { cn } from '@/lib/utils';

/** The contract's limits on auditRetentionDays, repeated for the hint and the input. */
const retention = { min: 30, max: 3650 } as const;

export function SettingsSection({
  settings,
  reload,
}: {
  settings: TOrganizationSettings;
  reload: () => void;
}) {
  const { pending, feedback, run, setFeedback } = useApiAction(reload);
  const [requireTwoFactor, setRequireTwoFactor] = useState(settings.requireTwoFactor);
  const [days, setDays] = useState(String(settings.auditRetentionDays));
  const [daysError, setDaysError] = useState<string | null>(null);
  const switchId = useId();
  const hintId = `${switchId}-hint`;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const changes: TUpdateOrganizationSettingsBody = {};
    // Only what changed is sent: re-sending an unchanged requirement could meet a refusal
    // that has nothing to do with this save.
    if (requireTwoFactor !== settings.requireTwoFactor) changes.requireTwoFactor = requireTwoFactor;
    const parsedDays = Number(days.trim());
    if (days.trim() === '' || !Number.isInteger(parsedDays)) {
      setDaysError('Enter a whole number of days.');
      return;
    }
    if (parsedDays !== settings.auditRetentionDays) changes.auditRetentionDays = parsedDays;
    const parsed = ZUpdateOrganizationSettingsBody.safeParse(changes);
    if (!parsed.success) {
      const daysIssue = parsed.error.issues.find((issue) => issue.path[0] === 'auditRetentionDays');
      if (daysIssue) {
        setDaysError(`Keep audit entries between ${retention.min} and ${retention.max} days.`);
        return;
      }
      setDaysError(null);
      setFeedback({ tone: 'success', message: 'The settings are unchanged.' });
      return;
    }
    setDaysError(null);
    await run(
      'settings',
      '/v1/organization/settings',
      parsed.data,
      'Saved the organization settings.',
      undefined,
      'PATCH',
    );
  }

  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading" className="text-lg font-semibold">
        Settings
      </h2>
      <form
        onSubmit={(event) => void onSubmit(event)}
        className="mt-3 space-y-4 rounded-lg border border-border p-4"
        noValidate
        aria-labelledby="settings-heading"
      >
        <div className="flex items-start justify-between gap-4">
          <div className="text-sm">
            <label htmlFor={switchId} className="font-medium">
              Require two-factor authentication for all members
            </label>
            <p id={hintId} className="text-xs text-muted-foreground">
              Members without it can do nothing here until they turn it on.
            </p>
          </div>
          <button
            id={switchId}
            type="button"
            role="switch"
            aria-checked={requireTwoFactor}
            aria-describedby={hintId}
            onClick={() => setRequireTwoFactor((on) => !on)}
            className={cn(
              'relative inline-flex h-6 w-11 shrink-0 items-center rounded-full border border-border transition-colors outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background',
              requireTwoFactor ? 'bg-primary' : 'bg-muted',
            )}
          >
            <span
              aria-hidden="true"
              className={cn(
                'inline-block size-4 rounded-full shadow transition-transform',
                requireTwoFactor
                  ? 'translate-x-6 bg-primary-foreground'
                  : 'translate-x-1 bg-muted-foreground',
              )}
            />
          </button>
        </div>
        <Field
          label="Audit retention (days)"
          name="auditRetentionDays"
          type="number"
          inputMode="numeric"
          min={retention.min}
          max={retention.max}
          hint={`Between ${retention.min} and ${retention.max} days.`}
          value={days}
          onChange={(event) => setDays(event.target.value)}
          error={daysError}
          className="sm:max-w-40"
        />
        <Button type="submit" variant="outline" disabled={pending !== null}>
          {pending === 'settings' ? 'Saving…' : 'Save settings'}
        </Button>
        <div className="empty:hidden">
          <FeedbackNotice feedback={feedback} />
        </div>
      </form>
    </section>
  );
}
