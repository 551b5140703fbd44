'use client';

import { useId } from 'react';

import { CheckboxField } from '@/components/ui/checkbox-field';
import { groupPermissions } from '@/lib/role-form';

const permissionGroups = groupPermissions();

/** Checkboxes for the contract's permissions, grouped by resource (roles, API keys). */
export function PermissionPicker({
  selected,
  onChange,
  error,
}: {
  selected: string[];
  onChange: (next: string[]) => void;
  error: string | undefined;
}) {
  const errorId = useId();
  return (
    <fieldset aria-describedby={error ? errorId : undefined} className="grid gap-3 sm:grid-cols-2">
      <legend className="mb-2 text-sm font-medium">Permissions</legend>
      {permissionGroups.map((group) => (
        <fieldset key={group.resource} className="rounded-md border border-border p-3">
          <legend className="px-1 text-xs font-semibold tracking-wide text-muted-foreground uppercase">
            {group.resource}
          </legend>
          <div className="space-y-2">
            {group.permissions.map((permission) => (
              <CheckboxField
                key={permission}
                label={permission}
                checked={selected.includes(permission)}
                onChange={(event) =>
                  onChange(
                    event.target.checked
                      ? [...selected, permission]
                      : selected.filter((p) => p !== permission),
                  )
                }
              />
            ))}
          </div>
        </fieldset>
      ))}
      {error ? (
        <p id={errorId} className="text-sm text-danger sm:col-span-2">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
