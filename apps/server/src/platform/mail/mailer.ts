import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { newId } from '#server/platform/db/columns';

export type TMail = { to: string; subject: string; text: string; html: string };

export type Mailer = {
  /** Sends one message; resolves once the transport accepted it. */
  send(mail: TMail): Promise<void>;
  readonly transport: 'file' | 'smtp';
  close(): void;
};

/**
 * SMTP when SMTP_URL is set; otherwise every message becomes an .eml file in `dir` (open it with
 * any mail client), so a laptop install needs no mail server and loses no message.
 */
export function createMailer(options: {
  smtpUrl?: string | undefined;
  dir: string;
  from: string;
}): Mailer {
  if (options.smtpUrl) {
    const transporter: Transporter = nodemailer.createTransport(options.smtpUrl);
    return {
      transport: 'smtp',
      send: async (mail) => {
        await transporter.sendMail({ from: options.from, ...mail });
      },
      close: () => transporter.close(),
    };
  }
  const transporter = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });
  return {
    transport: 'file',
    send: async (mail) => {
      const info = (await transporter.sendMail({ from: options.from, ...mail })) as {
        message: Buffer;
      };
      mkdirSync(options.dir, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${newId()}.eml`;
      writeFileSync(path.join(options.dir, name), info.message, { mode: 0o600 });
    },
    close: () => transporter.close(),
  };
}
