import type { TMail } from '#server/platform/mail/mailer';

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** To an organization's owners and admins: an endpoint stopped receiving events. */
export function endpointDisabledEmail(
  to: string,
  name: string,
  notice: { organization: string; url: string; failingSince: Date; manageUrl: string },
): TMail {
  const lines = [
    `Hello ${name},`,
    `The webhook endpoint ${notice.url} of ${notice.organization} has failed every delivery since ${notice.failingSince.toISOString()}, so Corebase disabled it. No events are sent to it until someone turns it back on.`,
    'Check that the receiver is up and answers 2xx, then enable the endpoint again and replay the deliveries it missed from its delivery log.',
  ];
  return {
    to,
    subject: `Webhook endpoint disabled in ${notice.organization}`,
    text: `Webhook endpoint disabled\n\n${lines.join('\n\n')}\n\nManage webhooks: ${notice.manageUrl}\n`,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<h1 style="font-size:20px">Webhook endpoint disabled</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
<p><a href="${escapeHtml(notice.manageUrl)}">Manage webhooks</a></p>
</body></html>`,
  };
}
