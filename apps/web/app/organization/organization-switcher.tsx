'use client';

import { useState, type FormEvent } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import type { TOrganizationSummary } from '@/app/organization/organization-data';
import { suggestSlug } from '@/app/organization/slug';
import { useApiAction } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';

function CreateOrganizationForm({
  run,
  pending,
}: {
  run: (key: string, path: string, body: unknown, message: string) => Promise<boolean>;
  pending: string | null;
}) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  // Until the slug is edited by hand, it follows the name.
  const [slugEdited, setSlugEdited] = useState(false);
  const [errors, setErrors] = useState<{ name?: string; slug?: string }>({});
  const shownSlug = slugEdited ? slug : suggestSlug(name);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next: typeof errors = {};
    if (name.trim() === '') next.name = 'Enter a name.';
    // The server's rule for /organization/create (auth.routes.ts), checked before sending.
    if (!/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/.test(shownSlug))
      next.slug = 'Use 1 to 48 lower-case letters, digits and inner dashes, e.g. acme-widgets.';
    setErrors(next);
    if (next.name || next.slug) return;
    const created = await run(
      'create',
      '/v1/auth/organization/create',
      { name: name.trim(), slug: shownSlug },
      `Created ${name.trim()}; it is now your active organization.`,
    );
    if (created) {
      setName('');
      setSlug('');
      setSlugEdited(false);
    }
  }

  return (
    <form
      onSubmit={(event) => void onSubmit(event)}
      className="mt-4 grid gap-3 rounded-lg border border-border p-4 sm:grid-cols-2"
      noValidate
      aria-labelledby="create-heading"
    >
      <h3 id="create-heading" className="font-medium sm:col-span-2">
        Create an organization
      </h3>
      <Field
        label="Name"
        name="name"
        required
        maxLength={100}
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={errors.name}
      />
      <Field
        label="Slug"
        name="slug"
        required
        maxLength={48}
        hint="Part of its addresses; lower-case letters, digits and dashes."
        value={shownSlug}
        onChange={(event) => {
          setSlugEdited(true);
          setSlug(event.target.value);
        }}
        error={errors.slug}
      />
      <div className="sm:col-span-2">
        <Button type="submit" variant="outline" disabled={pending !== null}>
          {pending === 'create' ? 'Creating…' : 'Create organization'}
        </Button>
      </div>
    </form>
  );
}

export function OrganizationSwitcher({
  organizations,
  activeId,
  onChanged,
}: {
  organizations: TOrganizationSummary[];
  activeId: string | null;
  /** The active organization changed: everything above this section changes with it. */
  onChanged: (message: string) => void;
}) {
  // The page shows the success above the organization it is about; errors stay here.
  const { pending, feedback, run } = useApiAction(() => undefined);
  const change = (key: string, path: string, body: unknown, message: string) =>
    run(key, path, body, message, () => onChanged(message));

  return (
    <section aria-labelledby="switcher-heading">
      <h2 id="switcher-heading" className="text-lg font-semibold">
        Your organizations
      </h2>
      <div className="mt-3 empty:hidden">
        {feedback?.tone === 'error' ? <FeedbackNotice feedback={feedback} /> : null}
      </div>
      {organizations.length === 0 ? (
        <p className="mt-2 text-sm text-muted-foreground">
          You are not a member of any organization yet. Create one below, or open an invitation
          someone mailed you.
        </p>
      ) : (
        <ul className="mt-3 divide-y divide-border rounded-lg border border-border">
          {organizations.map((org) => (
            <li
              key={org.id}
              className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between"
            >
              <div className="min-w-0">
                <p className="font-medium break-words">{org.name}</p>
                <p className="font-mono text-sm break-all text-muted-foreground">{org.slug}</p>
              </div>
              {org.id === activeId ? (
                <span className="text-sm font-medium text-success">Active</span>
              ) : (
                <Button
                  variant="outline"
                  size="sm"
                  aria-label={`Switch to ${org.name}`}
                  disabled={pending !== null}
                  onClick={() =>
                    void change(
                      `switch:${org.id}`,
                      '/v1/auth/organization/set-active',
                      { organizationId: org.id },
                      `${org.name} is now your active organization.`,
                    )
                  }
                >
                  Switch to
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <CreateOrganizationForm run={change} pending={pending} />
    </section>
  );
}
