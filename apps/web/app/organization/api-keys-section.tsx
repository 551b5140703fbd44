'use client';

import { ZCreatedApiKey, type TApiKey } from '@corebase/contracts';
import { useState, type FormEvent } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import { ShownOnce } from '@/components/shown-once';
import { PermissionPicker } from '@/app/organization/permission-picker';
import { useApiAction } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Field } from '@/components/ui/field';
import { apiKeyExpiry, parseCreateApiKey, type TApiKeyFormErrors } from '@/lib/api-key-form';
import { cn } from '@/lib/utils';

type TRun = ReturnType<typeof useApiAction>['run'];

/** The key as the server answered it once: shown until the person says they have it. */
type TCreatedKey = { name: string; key: string };

function NewApiKeyForm({
  run,
  pending,
  onCreated,
  onClose,
}: {
  run: TRun;
  pending: string | null;
  onCreated: (created: TCreatedKey) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [days, setDays] = useState('');
  const [errors, setErrors] = useState<TApiKeyFormErrors>({});

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = parseCreateApiKey({ name, permissions: selected, expiresInDays: days });
    if (!parsed.ok) {
      setErrors(parsed.errors);
      const first = parsed.errors.name
        ? 'input[name="name"]'
        : parsed.errors.permissions
          ? 'input[type="checkbox"]'
          : 'input[name="expiresInDays"]';
      event.currentTarget.querySelector<HTMLInputElement>(first)?.focus();
      return;
    }
    setErrors({});
    await run(
      'create-api-key',
      '/v1/api-keys',
      parsed.body,
      `Created the API key ${parsed.body.name}.`,
      (answer) => {
        const key = ZCreatedApiKey.safeParse(answer);
        if (key.success) onCreated({ name: key.data.name, key: key.data.key });
      },
    );
  }

  return (
    <form
      onSubmit={(event) => void onSubmit(event)}
      className="mt-4 space-y-4 rounded-lg border border-border p-4"
      noValidate
      aria-labelledby="new-api-key-heading"
    >
      <h3 id="new-api-key-heading" className="font-medium">
        New API key
      </h3>
      <Field
        label="Key name"
        name="name"
        hint="What the key is for, e.g. “CI deploys”."
        autoComplete="off"
        required
        maxLength={100}
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={errors.name}
      />
      <PermissionPicker selected={selected} onChange={setSelected} error={errors.permissions} />
      <Field
        label="Expires after (days)"
        name="expiresInDays"
        type="number"
        inputMode="numeric"
        min={apiKeyExpiry.min}
        max={apiKeyExpiry.max}
        hint={`Optional, ${apiKeyExpiry.min} to ${apiKeyExpiry.max} days. Empty: the key works until revoked.`}
        value={days}
        onChange={(event) => setDays(event.target.value)}
        error={errors.expiresInDays}
        className="sm:max-w-40"
      />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={pending !== null}>
          {pending === 'create-api-key' ? 'Creating…' : 'Create API key'}
        </Button>
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** The new key, this once. */
function CreatedKey({ created, onDone }: { created: TCreatedKey; onDone: () => void }) {
  return (
    <ShownOnce
      heading={`Your new API key: ${created.name}`}
      label="API key"
      noun="key"
      value={created.key}
      warning="Only its first characters are kept, to tell it apart."
      onDone={onDone}
    />
  );
}

function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString();
}

function stateOf(apiKey: TApiKey): { label: string; active: boolean } {
  if (apiKey.revokedAt) return { label: `Revoked ${formatDate(apiKey.revokedAt)}`, active: false };
  if (apiKey.expiresAt && new Date(apiKey.expiresAt).getTime() <= Date.now()) {
    return { label: 'Expired', active: false };
  }
  return { label: 'Active', active: true };
}

function ApiKeyRow({
  apiKey,
  run,
  pending,
}: {
  apiKey: TApiKey;
  run: TRun;
  pending: string | null;
}) {
  const state = stateOf(apiKey);
  return (
    <li data-testid="api-key-row" className="px-4 py-3">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <p className="font-medium break-all">
            {apiKey.name}
            <span
              className={cn(
                'ml-2 rounded-sm border px-1.5 py-0.5 text-xs font-normal',
                state.active
                  ? 'border-success/60 bg-success/10'
                  : 'border-border bg-muted text-muted-foreground',
              )}
            >
              {state.label}
            </span>
          </p>
          <p className="font-mono text-sm break-all text-muted-foreground">{apiKey.prefix}…</p>
        </div>
        {apiKey.revokedAt === null ? (
          <ConfirmButton
            label="Revoke"
            ariaLabel={`Revoke the API key ${apiKey.name}`}
            question={`Revoke the API key ${apiKey.name}? It stops working at once.`}
            confirmLabel="Revoke"
            disabled={pending !== null}
            onConfirm={() =>
              void run(
                `revoke-api-key:${apiKey.id}`,
                `/v1/api-keys/${apiKey.id}`,
                undefined,
                `Revoked the API key ${apiKey.name}.`,
                undefined,
                'DELETE',
              )
            }
          />
        ) : null}
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-sm sm:grid-cols-[auto_1fr_auto_1fr]">
        <dt className="text-muted-foreground">Created</dt>
        <dd>
          <time dateTime={apiKey.createdAt}>{formatDate(apiKey.createdAt)}</time>
        </dd>
        <dt className="text-muted-foreground">Expires</dt>
        <dd>
          {apiKey.expiresAt ? (
            <time dateTime={apiKey.expiresAt}>{formatDate(apiKey.expiresAt)}</time>
          ) : (
            'Never'
          )}
        </dd>
        <dt className="text-muted-foreground">Last used</dt>
        <dd>
          {apiKey.lastUsedAt ? (
            <time dateTime={apiKey.lastUsedAt}>{formatDate(apiKey.lastUsedAt)}</time>
          ) : (
            'Never'
          )}
        </dd>
      </dl>
      <ul aria-label={`Permissions of ${apiKey.name}`} className="mt-2 flex flex-wrap gap-1.5">
        {apiKey.permissions.map((permission) => (
          <li
            key={permission}
            className="rounded-sm border border-border bg-muted px-1.5 py-0.5 font-mono text-xs"
          >
            {permission}
          </li>
        ))}
      </ul>
    </li>
  );
}

export function ApiKeysSection({
  apiKeys,
  reload,
}: {
  apiKeys: TApiKey[] | null;
  reload: () => void;
}) {
  const { pending, feedback, run } = useApiAction(reload);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<TCreatedKey | null>(null);

  return (
    <section aria-labelledby="api-keys-heading">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="api-keys-heading" className="text-lg font-semibold">
          API keys
        </h2>
        {apiKeys && !creating ? (
          <Button
            variant="outline"
            size="sm"
            onClick={() => {
              setCreated(null);
              setCreating(true);
            }}
          >
            New API key
          </Button>
        ) : null}
      </div>
      <p className="mt-1 text-sm text-muted-foreground">
        For integrations: a key acts in this organization with the permissions you give it, never
        more than yours.
      </p>
      <div className="mt-3 empty:hidden">
        <FeedbackNotice feedback={feedback} />
      </div>
      {creating ? (
        <NewApiKeyForm
          run={run}
          pending={pending}
          onCreated={(next) => {
            setCreating(false);
            setCreated(next);
          }}
          onClose={() => setCreating(false)}
        />
      ) : null}
      {created ? <CreatedKey created={created} onDone={() => setCreated(null)} /> : null}
      {apiKeys === null ? (
        <p className="mt-2 text-sm text-muted-foreground">The API keys could not be read.</p>
      ) : apiKeys.length === 0 ? (
        <p className="mt-2 text-sm text-muted-foreground">No API keys yet.</p>
      ) : (
        <ul className="mt-3 divide-y divide-border rounded-lg border border-border">
          {apiKeys.map((apiKey) => (
            <ApiKeyRow
              // Keyed by its revocation too, so an open confirm closes on what the server holds.
              key={`${apiKey.id}:${apiKey.revokedAt ?? ''}`}
              apiKey={apiKey}
              run={run}
              pending={pending}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
