import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { expect } from '@playwright/test';
import { simpleParser, type ParsedMail } from 'mailparser';

const POLL_MS = 100;

function mailDir(): string {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error('E2E_DATA_DIR is not set: the global setup exports it.');
  return path.join(dataDir, 'mail');
}

function recipients(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((address) => address.value.map((v) => v.address?.toLowerCase() ?? ''));
}

/**
 * The newest message to `to` whose subject matches, waiting for it to be written. File names
 * start with an ISO timestamp, so sorting them sorts by time; each address is unique per run,
 * so older messages to it can only be from this same test.
 */
export async function newestMailTo(
  to: string,
  subject: RegExp,
  timeoutMs = 10_000,
): Promise<ParsedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = await readdir(mailDir()).catch(() => [] as string[]);
    const newestFirst = names
      .filter((name) => name.endsWith('.eml'))
      .sort()
      .reverse();
    for (const name of newestFirst) {
      const mail = await simpleParser(await readFile(path.join(mailDir(), name)));
      if (recipients(mail).includes(to.toLowerCase()) && subject.test(mail.subject ?? ''))
        return mail;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The first link in the message's text part that contains `fragment`. */
export function linkIn(mail: ParsedMail, fragment: string): string {
  const link = (mail.text ?? '').match(/https?:\/\/\S+/g)?.find((url) => url.includes(fragment));
  expect(link, `a link with ${fragment} in: ${mail.text}`).toBeTruthy();
  return link!;
}
