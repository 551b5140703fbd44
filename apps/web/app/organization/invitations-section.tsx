'use client';

import { useRef, useState, type FormEvent } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import type { TInvitation } from '@/app/organization/organization-data';
import { useApiAction } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Field } from '@/components/ui/field';
import { Select } from '@/components/ui/input';
import { fieldText, looksLikeEmail } from '@/lib/form';
import type { TCapabilities } from '@/lib/roles';

function InviteForm({
  organizationId,
  roles,
  run,
  pending,
}: {
  organizationId: string;
  roles: string[];
  run: ReturnType<typeof useApiAction>['run'];
  pending: string | null;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [emailError, setEmailError] = useState<string | null>(null);
  const defaultRole = roles.includes('member') ? 'member' : (roles[0] ?? 'member');

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const email = fieldText(data, 'email').trim();
    const role = fieldText(data, 'role') || defaultRole;
    if (!looksLikeEmail(email)) {
      setEmailError('Enter an email address such as ada@example.com.');
      form.querySelector<HTMLInputElement>('input[name="email"]')?.focus();
      return;
    }
    setEmailError(null);
    const sent = await run(
      'invite',
      '/v1/auth/organization/invite-member',
      { email, role, organizationId },
      `Invitation sent to ${email} as ${role}.`,
    );
    if (sent) formRef.current?.reset();
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      className="mt-4 grid gap-3 rounded-lg border border-border p-4 sm:grid-cols-[1fr_auto_auto] sm:items-end"
      noValidate
      aria-labelledby="invite-heading"
    >
      <h3 id="invite-heading" className="font-medium sm:col-span-3">
        Invite someone
      </h3>
      <Field
        label="Email to invite"
        name="email"
        type="email"
        autoComplete="off"
        required
        error={emailError}
      />
      <div>
        <label htmlFor="invite-role" className="text-sm font-medium">
          Role
        </label>
        <Select id="invite-role" name="role" defaultValue={defaultRole} className="mt-1">
          {roles.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </Select>
      </div>
      <Button type="submit" disabled={pending !== null}>
        {pending === 'invite' ? 'Sending…' : 'Send invitation'}
      </Button>
    </form>
  );
}

export function InvitationsSection({
  invitations,
  organizationId,
  capabilities,
  reload,
}: {
  invitations: TInvitation[];
  organizationId: string;
  capabilities: TCapabilities;
  reload: () => void;
}) {
  const { pending, feedback, run } = useApiAction(reload);
  const canManage = capabilities.manageMembers;

  return (
    <section aria-labelledby="invitations-heading">
      <h2 id="invitations-heading" className="text-lg font-semibold">
        Pending invitations
      </h2>
      <div className="mt-3 empty:hidden">
        <FeedbackNotice feedback={feedback} />
      </div>
      {invitations.length === 0 ? (
        <p className="mt-2 text-sm text-muted-foreground">
          No invitation is waiting for an answer.
        </p>
      ) : (
        <ul className="mt-3 divide-y divide-border rounded-lg border border-border">
          {invitations.map((invitation) => (
            <li
              key={invitation.id}
              data-testid="invitation-row"
              className="flex flex-col gap-3 px-4 py-3 sm:flex-row sm:items-center sm:justify-between"
            >
              <div className="min-w-0">
                <p className="font-medium break-all">{invitation.email}</p>
                <p className="text-sm text-muted-foreground">
                  {invitation.role} · expires{' '}
                  <time dateTime={invitation.expiresAt}>
                    {new Date(invitation.expiresAt).toLocaleDateString()}
                  </time>
                </p>
              </div>
              {canManage ? (
                <div className="flex flex-wrap items-center gap-2">
                  <Button
                    variant="outline"
                    size="sm"
                    aria-label={`Resend the invitation to ${invitation.email}`}
                    disabled={pending !== null}
                    onClick={() =>
                      void run(
                        `resend:${invitation.id}`,
                        '/v1/auth/organization/invite-member',
                        {
                          email: invitation.email,
                          role: invitation.role,
                          organizationId,
                          resend: true,
                        },
                        `Sent the invitation to ${invitation.email} again.`,
                      )
                    }
                  >
                    Resend
                  </Button>
                  <ConfirmButton
                    label="Revoke"
                    ariaLabel={`Revoke the invitation to ${invitation.email}`}
                    question={`Revoke the invitation to ${invitation.email}?`}
                    confirmLabel="Revoke"
                    disabled={pending !== null}
                    onConfirm={() =>
                      void run(
                        `revoke:${invitation.id}`,
                        '/v1/auth/organization/cancel-invitation',
                        { invitationId: invitation.id },
                        `Revoked the invitation to ${invitation.email}.`,
                      )
                    }
                  />
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canManage ? (
        <InviteForm
          organizationId={organizationId}
          roles={capabilities.assignable}
          run={run}
          pending={pending}
        />
      ) : (
        <p className="mt-3 text-sm text-muted-foreground">
          Your role cannot invite people; owners and admins can.
        </p>
      )}
    </section>
  );
}
