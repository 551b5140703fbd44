'use client';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import type { TOrganizationSummary } from '@/app/organization/organization-data';
import { useApiAction } from '@/app/organization/use-api-action';
import { ConfirmButton } from '@/components/ui/confirm-button';

export function LeaveOrganization({
  organization,
  onLeft,
}: {
  organization: TOrganizationSummary;
  onLeft: (message: string) => void;
}) {
  const message = `You left ${organization.name}.`;
  // The section disappears with the membership, so the page carries the success message.
  const { pending, feedback, run } = useApiAction(() => onLeft(message));

  return (
    <section aria-labelledby="leave-heading" className="rounded-lg border border-border p-4">
      <h2 id="leave-heading" className="text-lg font-semibold">
        Leave {organization.name}
      </h2>
      <p className="mt-1 text-sm text-muted-foreground">
        You lose access to its data until someone invites you again. The last owner cannot leave:
        make another member owner first.
      </p>
      <div className="mt-3 space-y-3">
        {feedback?.tone === 'error' ? <FeedbackNotice feedback={feedback} /> : null}
        <ConfirmButton
          label="Leave organization"
          question={`Leave ${organization.name}?`}
          confirmLabel="Leave"
          disabled={pending !== null}
          onConfirm={() =>
            void run(
              'leave',
              '/v1/auth/organization/leave',
              { organizationId: organization.id },
              message,
            )
          }
        />
      </div>
    </section>
  );
}
