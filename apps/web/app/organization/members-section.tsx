'use client';

import { useState } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import type { TMember } from '@/app/organization/organization-data';
import { useApiAction } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Select } from '@/components/ui/input';
import { canActOn, type TCapabilities } from '@/lib/roles';

type TRowProps = {
  member: TMember;
  organizationName: string;
  isMe: boolean;
  capabilities: TCapabilities;
  pending: string | null;
  onChangeRole: (member: TMember, role: string) => void;
  onRemove: (member: TMember) => void;
  onResetTwoFactor: (member: TMember) => void;
};

function MemberRow({
  member,
  organizationName,
  isMe,
  capabilities,
  pending,
  onChangeRole,
  onRemove,
  onResetTwoFactor,
}: TRowProps) {
  const [role, setRole] = useState(member.role);
  const selectId = `role-${member.id}`;
  // Your own role and membership change through "Leave" or another owner, not from this row.
  const actionable = !isMe && canActOn(capabilities, member.role);
  // A role the list does not know (custom, or several) stays selectable as it is.
  const options = capabilities.assignable.includes(member.role)
    ? capabilities.assignable
    : [member.role, ...capabilities.assignable];
  const label = member.user.name || member.user.email;

  return (
    <li
      data-testid="member-row"
      className="flex flex-col gap-3 px-4 py-3 sm:flex-row sm:items-center sm:justify-between"
    >
      <div className="min-w-0">
        <p className="font-medium break-words">
          {member.user.name}
          {isMe ? (
            <span className="ml-2 text-sm font-normal text-muted-foreground">(you)</span>
          ) : null}
        </p>
        <p className="text-sm break-all text-muted-foreground">{member.user.email}</p>
      </div>
      {actionable ? (
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor={selectId} className="sr-only">
            Role for {label}
          </label>
          <Select
            id={selectId}
            value={role}
            onChange={(event) => setRole(event.target.value)}
            className="w-auto"
          >
            {options.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </Select>
          <Button
            variant="outline"
            size="sm"
            aria-label={`Change role of ${label}`}
            disabled={pending !== null || role === member.role}
            onClick={() => onChangeRole(member, role)}
          >
            Change role
          </Button>
          <ConfirmButton
            label="Remove"
            ariaLabel={`Remove ${label}`}
            question={`Remove ${label} from ${organizationName}?`}
            confirmLabel="Remove"
            disabled={pending !== null}
            onConfirm={() => onRemove(member)}
          />
          <ConfirmButton
            label="Reset two-factor"
            ariaLabel={`Reset two-factor of ${label}`}
            question={`Reset ${label}'s two-factor authentication?`}
            confirmLabel="Reset"
            disabled={pending !== null}
            onConfirm={() => onResetTwoFactor(member)}
          />
        </div>
      ) : (
        <span data-testid="member-role" className="text-sm">
          {member.role}
        </span>
      )}
    </li>
  );
}

export function MembersSection({
  members,
  myMemberId,
  organizationId,
  organizationName,
  capabilities,
  reload,
}: {
  members: TMember[];
  organizationId: string;
  myMemberId: string;
  organizationName: string;
  capabilities: TCapabilities;
  reload: () => void;
}) {
  const { pending, feedback, run } = useApiAction(reload);

  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading" className="text-lg font-semibold">
        Members{' '}
        <span className="text-sm font-normal text-muted-foreground">({members.length})</span>
      </h2>
      <div className="mt-3 empty:hidden">
        <FeedbackNotice feedback={feedback} />
      </div>
      <ul className="mt-3 divide-y divide-border rounded-lg border border-border">
        {members.map((member) => (
          <MemberRow
            // Keyed by role too, so the select resets to what the server now holds.
            key={`${member.id}:${member.role}`}
            member={member}
            organizationName={organizationName}
            isMe={member.id === myMemberId}
            capabilities={capabilities}
            pending={pending}
            onChangeRole={(target, role) =>
              void run(
                `role:${target.id}`,
                '/v1/auth/organization/update-member-role',
                { memberId: target.id, role, organizationId },
                `${target.user.name || target.user.email} is now ${role}.`,
              )
            }
            onRemove={(target) =>
              void run(
                `remove:${target.id}`,
                '/v1/auth/organization/remove-member',
                { memberIdOrEmail: target.id, organizationId },
                `Removed ${target.user.name || target.user.email} from ${organizationName}.`,
              )
            }
            onResetTwoFactor={(target) =>
              void run(
                `two-factor:${target.id}`,
                `/v1/organization/members/${encodeURIComponent(target.userId)}/two-factor`,
                undefined,
                `Reset the two-factor authentication of ${target.user.name || target.user.email}.`,
                undefined,
                'DELETE',
              )
            }
          />
        ))}
      </ul>
    </section>
  );
}
