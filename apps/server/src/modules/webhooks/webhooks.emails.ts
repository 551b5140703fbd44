import { noticeEmail } from '#server/platform/mail/layout';
import type { TMail } from '#server/platform/mail/mailer';

/** To an organization's owners and admins: an endpoint stopped receiving events. */
export function endpointDisabledEmail(
  to: string,
  name: string,
  notice: { organization: string; url: string; failingSince: Date; manageUrl: string },
): TMail {
  return noticeEmail(to, {
    subject: `Webhook endpoint disabled in ${notice.organization}`,
    title: 'Webhook endpoint disabled',
    paragraphs: [
      `Hello ${name},`,
      `The webhook endpoint ${notice.url} of ${notice.organization} has failed every delivery since ${notice.failingSince.toISOString()}, so Corebase disabled it. No events are sent to it until someone turns it back on.`,
      'Check that the receiver is up and answers 2xx, then enable the endpoint again and replay the deliveries it missed from its delivery log.',
    ],
    action: { label: 'Manage webhooks', url: notice.manageUrl },
  });
}
