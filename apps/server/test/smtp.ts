import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type TSmtpSink = {
  url: string;
  messages: ParsedMail[];
  /** The next message to `to` (already received or arriving within the timeout). */
  waitFor(to: string, timeoutMs?: number): Promise<ParsedMail>;
  /** Every message so far to `to` whose subject matches. */
  sent(to: string, subject: RegExp): ParsedMail[];
  /** Those messages once there is at least one, or none after the timeout. */
  settled(to: string, subject: RegExp, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
};

const recipients = (mail: ParsedMail) =>
  (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) =>
    a.value.map((v) => v.address?.toLowerCase()),
  );

/** A real SMTP server on a free loopback port that keeps every message it receives, parsed. */
export async function startSmtpSink(): Promise<TSmtpSink> {
  const messages: ParsedMail[] = [];
  const taken = new Set<ParsedMail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const sent = (to: string, subject: RegExp) =>
    messages.filter(
      (m) => subject.test(m.subject ?? '') && recipients(m).includes(to.toLowerCase()),
    );
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(to, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(
          (m) => !taken.has(m) && recipients(m).includes(to.toLowerCase()),
        );
        if (found) {
          taken.add(found);
          return found;
        }
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    sent,
    async settled(to, subject, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (sent(to, subject).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return sent(to, subject);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in a message's text part that contains `fragment`. */
export function linkIn(mail: ParsedMail, fragment: string): URL {
  const match = (mail.text ?? '').match(/https?:\/\/\S+/g)?.find((url) => url.includes(fragment));
  if (!match) throw new Error(`no link with ${fragment} in:\n${mail.text}`);
  return new URL(match);
}
