import type { TMail } from '#server/platform/mail/mailer';

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML and text bodies of a plain message: a title, paragraphs, an optional list, a button. */
export function layout(
  title: string,
  paragraphs: string[],
  action: { label: string; url: string },
  list: string[] = [],
) {
  const items = list.length
    ? `<ul>\n${list.map((item) => `<li>${escapeHtml(item)}</li>`).join('\n')}\n</ul>\n`
    : '';
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<h1 style="font-size:20px">${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${items}<p><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p>
<p style="color:#555;font-size:13px">Or open this link: ${escapeHtml(action.url)}</p>
</body></html>`;
  const listText = list.length ? `\n\n${list.map((item) => `- ${item}`).join('\n')}` : '';
  const text = `${title}\n\n${paragraphs.join('\n\n')}${listText}\n\n${action.label}: ${action.url}\n`;
  return { html, text };
}

/** A notification's email: greeting, what happened, where to act. */
export function noticeEmail(
  to: string,
  notice: {
    subject: string;
    title: string;
    paragraphs: string[];
    action: { label: string; url: string };
    list?: string[];
  },
): TMail {
  return {
    to,
    subject: notice.subject,
    ...layout(notice.title, notice.paragraphs, notice.action, notice.list),
  };
}
