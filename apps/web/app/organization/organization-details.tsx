'use client';

import { useState, type FormEvent } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import type { TOrganizationSummary } from '@/app/organization/organization-data';
import { useApiAction } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';

export function OrganizationDetails({
  organization,
  role,
  canRename,
  reload,
}: {
  organization: TOrganizationSummary;
  role: string;
  canRename: boolean;
  reload: () => void;
}) {
  const { pending, feedback, run, setFeedback } = useApiAction(reload);
  const [name, setName] = useState(organization.name);
  const [nameError, setNameError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '') {
      setNameError('Enter a name.');
      return;
    }
    setNameError(null);
    if (trimmed === organization.name) {
      setFeedback({ tone: 'success', message: 'The name is unchanged.' });
      return;
    }
    await run(
      'rename',
      '/v1/auth/organization/update',
      { data: { name: trimmed }, organizationId: organization.id },
      `Renamed the organization to ${trimmed}.`,
    );
  }

  return (
    <section
      aria-labelledby="organization-name"
      className="rounded-lg border border-border p-4 sm:p-5"
    >
      <h2 id="organization-name" className="text-xl font-semibold break-words">
        {organization.name}
      </h2>
      <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm">
        <dt className="text-muted-foreground">Slug</dt>
        <dd data-testid="organization-slug" className="font-mono break-all">
          {organization.slug}
        </dd>
        <dt className="text-muted-foreground">Your role</dt>
        <dd data-testid="my-role">{role}</dd>
      </dl>
      {canRename ? (
        <form
          onSubmit={(event) => void onSubmit(event)}
          className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-end"
          noValidate
        >
          <Field
            label="Organization name"
            name="name"
            required
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={nameError}
            containerClassName="flex-1"
          />
          <Button type="submit" variant="outline" disabled={pending !== null}>
            {pending ? 'Saving…' : 'Rename'}
          </Button>
        </form>
      ) : null}
      <div className="mt-3 empty:hidden">
        <FeedbackNotice feedback={feedback} />
      </div>
    </section>
  );
}
