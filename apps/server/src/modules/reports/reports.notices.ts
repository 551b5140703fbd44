import { reportKinds } from '@corebase/contracts';
import type { TNotifyEvent, TRecipient } from '#server/modules/notifications/notifications.service';
import type { Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { noticeEmail } from '#server/platform/mail/layout';

const titleOf = (kind: unknown) =>
  reportKinds.find((entry) => entry.kind === kind)?.title ?? String(kind);

/** Who the reports module's events notify: the person who asked for the report. */
export function reportNotices(deps: {
  tenancy: Tenancy;
  /** From identity: the requester's address and name, the organization's name. */
  personOf: (tx: Tx, userId: string) => Promise<{ email: string; name: string } | undefined>;
  organizationOf: (tx: Tx, orgId: string) => Promise<{ name: string }>;
  publicUrl: string;
}) {
  const link = '/organization/reports';
  // The mail links to the page, which hands out a fresh download link: one in a mail would
  // expire unread.
  const notice =
    (outcome: 'ready' | 'failed') =>
    async (event: TNotifyEvent): Promise<TRecipient[]> => {
      const userId = String(event.payload.requestedByUserId);
      const { person, organization } = await deps.tenancy.withPlatform(async (tx) => ({
        person: await deps.personOf(tx, userId),
        organization: event.orgId ? (await deps.organizationOf(tx, event.orgId)).name : '',
      }));
      if (!person) return [];
      const what = `${titleOf(event.payload.kind)} report (${String(event.payload.format).toUpperCase()})`;
      const body =
        outcome === 'ready'
          ? `Your ${what} of ${organization} is ready to download.`
          : `Your ${what} of ${organization} could not be produced: ${String(event.payload.error)}`;
      return [
        {
          userId,
          title: `${what} ${outcome}`,
          body,
          link,
          email: noticeEmail(person.email, {
            subject:
              outcome === 'ready' ? `Your ${what} is ready` : `Your ${what} could not be produced`,
            title: outcome === 'ready' ? 'Report ready' : 'Report failed',
            paragraphs: [`Hello ${person.name},`, body],
            action: {
              label: outcome === 'ready' ? 'Download it' : 'Open reports',
              url: `${deps.publicUrl}${link}`,
            },
          }),
        },
      ];
    };
  return { 'report.ready': notice('ready'), 'report.failed': notice('failed') };
}
