'use client';

import type { TRole } from '@corebase/contracts';
import { useState, type FormEvent } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import { PermissionPicker } from '@/app/organization/permission-picker';
import { useApiAction } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Field } from '@/components/ui/field';
import { parseCreateRole, parseUpdateRole, type TRoleFormErrors } from '@/lib/role-form';

type TRun = ReturnType<typeof useApiAction>['run'];

function NewRoleForm({
  run,
  pending,
  onClose,
}: {
  run: TRun;
  pending: string | null;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [errors, setErrors] = useState<TRoleFormErrors>({});

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = parseCreateRole({ name, description, permissions: selected });
    if (!parsed.ok) {
      setErrors(parsed.errors);
      if (parsed.errors.name) {
        event.currentTarget.querySelector<HTMLInputElement>('input[name="name"]')?.focus();
      }
      return;
    }
    setErrors({});
    const created = await run(
      'create-role',
      '/v1/roles',
      parsed.body,
      `Created the role ${parsed.body.name}.`,
    );
    if (created) onClose();
  }

  return (
    <form
      onSubmit={(event) => void onSubmit(event)}
      className="mt-4 space-y-4 rounded-lg border border-border p-4"
      noValidate
      aria-labelledby="new-role-heading"
    >
      <h3 id="new-role-heading" className="font-medium">
        New role
      </h3>
      <Field
        label="Role name"
        name="name"
        hint="2 to 40 lower-case letters, digits, - or _, starting with a letter."
        autoComplete="off"
        required
        maxLength={40}
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={errors.name}
      />
      <Field
        label="Description"
        name="description"
        autoComplete="off"
        maxLength={500}
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        error={errors.description}
      />
      <PermissionPicker selected={selected} onChange={setSelected} error={errors.permissions} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={pending !== null}>
          {pending === 'create-role' ? 'Creating…' : 'Create role'}
        </Button>
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function EditRoleForm({
  role,
  run,
  pending,
  onClose,
}: {
  role: TRole & { id: string };
  run: TRun;
  pending: string | null;
  onClose: () => void;
}) {
  const [description, setDescription] = useState(role.description ?? '');
  const [selected, setSelected] = useState<string[]>([...role.permissions]);
  const [errors, setErrors] = useState<TRoleFormErrors>({});

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = parseUpdateRole({ description, permissions: selected });
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    const saved = await run(
      `edit-role:${role.id}`,
      `/v1/roles/${role.id}`,
      parsed.body,
      `Saved the role ${role.name}.`,
      undefined,
      'PATCH',
    );
    if (saved) onClose();
  }

  return (
    <form
      onSubmit={(event) => void onSubmit(event)}
      className="mt-3 space-y-4"
      noValidate
      aria-label={`Edit the role ${role.name}`}
    >
      <Field
        label="Description"
        name="description"
        autoComplete="off"
        maxLength={500}
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        error={errors.description}
      />
      <PermissionPicker selected={selected} onChange={setSelected} error={errors.permissions} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" size="sm" disabled={pending !== null}>
          {pending === `edit-role:${role.id}` ? 'Saving…' : 'Save role'}
        </Button>
        <Button variant="ghost" size="sm" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function RoleRow({
  role,
  canManage,
  run,
  pending,
}: {
  role: TRole;
  canManage: boolean;
  run: TRun;
  pending: string | null;
}) {
  const [editing, setEditing] = useState(false);
  const id = role.id;
  const members = `${role.memberCount} ${role.memberCount === 1 ? 'member' : 'members'}`;

  return (
    <li data-testid="role-row" className="px-4 py-3">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <p className="font-medium break-all">
            {role.name}
            <span className="ml-2 text-sm font-normal text-muted-foreground">
              {role.builtIn ? 'built-in' : 'custom'} · {members}
            </span>
          </p>
          {role.description ? (
            <p className="text-sm break-words text-muted-foreground">{role.description}</p>
          ) : null}
        </div>
        {canManage && !role.builtIn && id !== null && !editing ? (
          <div className="flex flex-wrap items-center gap-2">
            <Button
              variant="outline"
              size="sm"
              aria-label={`Edit the role ${role.name}`}
              disabled={pending !== null}
              onClick={() => setEditing(true)}
            >
              Edit
            </Button>
            <ConfirmButton
              label="Delete"
              ariaLabel={`Delete the role ${role.name}`}
              question={`Delete the role ${role.name}?`}
              confirmLabel="Delete"
              disabled={pending !== null}
              onConfirm={() =>
                void run(
                  `delete-role:${id}`,
                  `/v1/roles/${id}`,
                  undefined,
                  `Deleted the role ${role.name}.`,
                  undefined,
                  'DELETE',
                )
              }
            />
          </div>
        ) : null}
      </div>
      {editing && id !== null ? (
        <EditRoleForm
          role={{ ...role, id }}
          run={run}
          pending={pending}
          onClose={() => setEditing(false)}
        />
      ) : (
        <ul aria-label={`Permissions of ${role.name}`} className="mt-2 flex flex-wrap gap-1.5">
          {role.permissions.length === 0 ? (
            <li className="text-sm text-muted-foreground">No permissions</li>
          ) : (
            role.permissions.map((permission) => (
              <li
                key={permission}
                className="rounded-sm border border-border bg-muted px-1.5 py-0.5 font-mono text-xs"
              >
                {permission}
              </li>
            ))
          )}
        </ul>
      )}
    </li>
  );
}

export function RolesSection({
  roles,
  canManage,
  reload,
}: {
  roles: TRole[] | null;
  canManage: boolean;
  reload: () => void;
}) {
  const { pending, feedback, run } = useApiAction(reload);
  const [creating, setCreating] = useState(false);

  return (
    <section aria-labelledby="roles-heading">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="roles-heading" className="text-lg font-semibold">
          Roles
        </h2>
        {canManage && roles && !creating ? (
          <Button variant="outline" size="sm" onClick={() => setCreating(true)}>
            New role
          </Button>
        ) : null}
      </div>
      <div className="mt-3 empty:hidden">
        <FeedbackNotice feedback={feedback} />
      </div>
      {creating ? (
        <NewRoleForm run={run} pending={pending} onClose={() => setCreating(false)} />
      ) : null}
      {roles ? (
        <ul className="mt-3 divide-y divide-border rounded-lg border border-border">
          {roles.map((role) => (
            <RoleRow
              // Keyed by its last change, so an open form closes on what the server now holds.
              key={`${role.id ?? role.name}:${role.updatedAt ?? ''}`}
              role={role}
              canManage={canManage}
              run={run}
              pending={pending}
            />
          ))}
        </ul>
      ) : (
        <p className="mt-2 text-sm text-muted-foreground">The roles could not be read.</p>
      )}
    </section>
  );
}
