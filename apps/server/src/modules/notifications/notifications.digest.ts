import type { TDigestSettings, TUpdateDigestBody } from '@corebase/contracts';
import { isTimeZone } from '@corebase/contracts';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  findDigest,
  findDigestCandidates,
  findUnreadSince,
  upsertDigest,
  type TDigestCandidate,
} from '#server/modules/notifications/notifications.repository';
import type { Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { applyOnce } from '#server/platform/jobs/effects';
import { defineJob, type JobQueue } from '#server/platform/jobs/jobs';
import { noticeEmail } from '#server/platform/mail/layout';
import type { TMail } from '#server/platform/mail/mailer';

/** A digest covers what arrived since the previous one, and never more than the last day. */
const windowMs = 24 * 3_600_000;
/** The most notifications one digest lists (it says how many more there are). */
const listed = 20;
const defaultDigestHour = 8;

/** Sends one person's digest for one local date; enqueued by the sweep, once per person and day. */
export const sendDigest = defineJob({
  name: 'notifications.send-digest',
  queue: 'notifications',
  schema: z.object({ userId: z.uuid(), localDate: z.iso.date(), at: z.iso.datetime() }),
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 30_000 },
  dedupKey: (payload) => `digest:${payload.userId}:${payload.localDate}`,
});

/** Looks for people whose digest hour has come; scheduled every 15 minutes. */
export const sweepDigests = defineJob({
  name: 'notifications.sweep-digests',
  queue: 'notifications',
  schema: z.object({}),
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 60_000 },
});

const zoneOf = (name: string | null) => (name && isTimeZone(name) ? name : 'UTC');

/**
 * Today's digest hour in the person's zone: `hour`:00, or the first real moment after it on a
 * day the clocks skip that hour (luxon moves a time in the gap forward), and whether today's
 * was sent.
 */
function today(now: Date, settings: { hour: number; timeZone: string; lastSentAt: Date | null }) {
  const local = DateTime.fromJSDate(now, { zone: settings.timeZone });
  const start = local.set({ hour: settings.hour, minute: 0, second: 0, millisecond: 0 });
  const sent =
    settings.lastSentAt !== null &&
    DateTime.fromJSDate(settings.lastSentAt, { zone: settings.timeZone }).toISODate() ===
      local.toISODate();
  return { local, start, end: start.plus({ hours: 1 }), sent };
}

/**
 * When a person's digest goes out next, if something is unread then: today's hour, or the next
 * sweep (each quarter hour) while that hour lasts, or tomorrow's once today's was sent or the
 * hour has passed.
 */
export function nextDigestAt(
  now: Date,
  settings: { hour: number; timeZone: string; lastSentAt: Date | null },
): Date {
  const { local, start, end, sent } = today(now, settings);
  if (sent || local >= end) {
    return local
      .plus({ days: 1 })
      .set({ hour: settings.hour, minute: 0, second: 0, millisecond: 0 })
      .toJSDate();
  }
  if (local < start) return start.toJSDate();
  const quarter = 15 * 60_000;
  return new Date(Math.ceil((now.getTime() + 1) / quarter) * quarter);
}

/** The local date whose digest is due for this person at `now`, or undefined. */
export function dueDigestDate(now: Date, candidate: TDigestCandidate): string | undefined {
  const { local, start, end, sent } = today(now, {
    hour: candidate.hour,
    timeZone: zoneOf(candidate.timeZone),
    lastSentAt: candidate.lastSentAt,
  });
  if (sent || local < start || local >= end) return undefined;
  return local.toISODate() ?? undefined;
}

function digestEmail(
  to: { email: string; name: string },
  items: { title: string; body: string }[],
  more: number,
  inboxUrl: string,
): TMail {
  const count = items.length + more;
  return noticeEmail(to.email, {
    subject: `You have ${count} unread notification${count === 1 ? '' : 's'}`,
    title: 'Your daily digest',
    paragraphs: [
      `Hello ${to.name},`,
      `Here is what arrived since your last digest and is still unread${more > 0 ? ` (the latest ${items.length}; ${more} more in your inbox)` : ''}:`,
    ],
    list: items.map((item) => `${item.title}: ${item.body}`),
    action: { label: 'Open your notifications', url: inboxUrl },
  });
}

export type TDigestDeps = {
  tenancy: Tenancy;
  jobs: Pick<JobQueue, 'enqueue'>;
  sendMail: (mail: TMail) => Promise<void>;
  /** The person's address, name and time zone, and setting the zone (identity owns users). */
  personOf: (
    tx: Tx,
    userId: string,
  ) => Promise<{ email: string; name: string; timeZone: string | null } | undefined>;
  setTimeZone: (tx: Tx, userId: string, timeZone: string) => Promise<void>;
  publicUrl: string;
  logger: Logger;
};

export function createDigests(deps: TDigestDeps) {
  const { tenancy } = deps;

  const settingsOf = async (tx: Tx, userId: string, now: Date): Promise<TDigestSettings> => {
    const row = await findDigest(tx, userId);
    const timeZone = zoneOf((await deps.personOf(tx, userId))?.timeZone ?? null);
    const enabled = row?.enabled ?? true;
    const hour = row?.hour ?? defaultDigestHour;
    const lastSentAt = row?.lastSentAt ?? null;
    return {
      enabled,
      hour,
      timeZone,
      nextAt: enabled ? nextDigestAt(now, { hour, timeZone, lastSentAt }).toISOString() : null,
      lastSentAt: lastSentAt?.toISOString() ?? null,
    };
  };

  return {
    settings: (userId: string) => tenancy.withPlatform((tx) => settingsOf(tx, userId, new Date())),

    update: (userId: string, body: TUpdateDigestBody) =>
      tenancy.withPlatform(async (tx) => {
        if (body.timeZone !== undefined) await deps.setTimeZone(tx, userId, body.timeZone);
        if (body.enabled !== undefined || body.hour !== undefined) {
          await upsertDigest(tx, userId, {
            ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
            ...(body.hour === undefined ? {} : { hour: body.hour }),
          });
        }
        return settingsOf(tx, userId, new Date());
      }),

    /** Enqueues the digests due at `now`; each person's once per local date (its job key). */
    async sweep(now = new Date()): Promise<number> {
      const candidates = await tenancy.withPlatform((tx) =>
        findDigestCandidates(tx, new Date(now.getTime() - windowMs)),
      );
      let enqueued = 0;
      for (const candidate of candidates) {
        const localDate = dueDigestDate(now, candidate);
        if (!localDate) continue;
        const result = await deps.jobs.enqueue(sendDigest, {
          userId: candidate.userId,
          localDate,
          at: now.toISOString(),
        });
        if (!result.deduplicated) enqueued += 1;
      }
      if (enqueued > 0) deps.logger.info({ enqueued }, 'digests enqueued');
      return enqueued;
    },

    /** The send job: one mail (keyed per person and date), then the person's window moves on. */
    async send(payload: { userId: string; localDate: string; at: string }) {
      const at = new Date(payload.at);
      const mail = await tenancy.withPlatform(async (tx) => {
        const row = await findDigest(tx, payload.userId);
        if (row && !row.enabled) return undefined;
        const since = new Date(Math.max(at.getTime() - windowMs, row?.lastSentAt?.getTime() ?? 0));
        // Up to the sweep's moment: what arrives later is for the next digest.
        const { rows: items, total } = await findUnreadSince(tx, payload.userId, since, at, listed);
        const person = await deps.personOf(tx, payload.userId);
        if (items.length === 0 || !person) return undefined;
        return digestEmail(person, items, total - items.length, `${deps.publicUrl}/notifications`);
      });
      if (!mail) return;
      // The key and the new window commit with the accepted mail, or not at all (then retried).
      // A date already mailed (the person moved to a zone where it comes again) moves nothing:
      // what is unread waits for the next digest.
      await tenancy.withMaintenance(async (tx) => {
        const sent = await applyOnce(tx, `digest:${payload.userId}:${payload.localDate}`, () =>
          deps.sendMail(mail),
        );
        if (sent) await upsertDigest(tx, payload.userId, { lastSentAt: at });
      });
    },
  };
}

export type Digests = ReturnType<typeof createDigests>;
