import { ZDeadLetterIds, type TDeadLetterOutcome } from '@corebase/contracts';

/** The operations page: queue health and dead letters, for platform superadmins. */
export const jobsPath = '/admin/jobs';

/**
 * bull-board, served by the server itself under `/ops` (a prefix the web app leaves to it),
 * only when the job driver is BullMQ.
 */
export const queueBoardPath = '/ops/queues';

/** What anyone but a platform superadmin reads on the page, and when the API answers 403. */
export const superadminOnlyMessage =
  'Only platform superadmins can see job queues and dead letters.';

/** The windows the queue table can be measured over, in minutes (the API takes up to 1440). */
export const queueWindows = [
  { minutes: 15, label: 'Last 15 minutes' },
  { minutes: 60, label: 'Last hour' },
  { minutes: 1440, label: 'Last 24 hours' },
] as const;

export const defaultQueueWindow = 15;

/** Jobs per minute, as a count reads: `0`, `0.07`, `12.5`. */
export function formatThroughput(perMinute: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(perMinute);
}

/** A 0–1 share as a percentage, one decimal at most: `0%`, `12.5%`. */
export function formatFailureRate(rate: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
}

/** A run time in whole milliseconds, or a dash when nothing completed in the window. */
export function formatDurationMs(ms: number | null, locale?: string): string {
  if (ms === null) return '—';
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(ms)} ms`;
}

/** Payloads are whatever the job was given: shown as indented JSON, never as `[object Object]`. */
export function formatPayload(payload: unknown): string {
  if (payload === undefined) return '(none)';
  try {
    return JSON.stringify(payload, null, 2);
  } catch {
    // It came as JSON, so only a cycle or a BigInt could get here; say so rather than guess.
    return '(cannot be shown as JSON)';
  }
}

/** The first line of an error: the list shows it, the details show all of it. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const skipReasons: Record<TDeadLetterOutcome['skipped'][number]['reason'], string> = {
  not_found: 'already gone',
  unknown_job: 'no job of that name runs here any more',
};

/** What a retry or a discard did, in one sentence for the result message. */
export function describeOutcome(action: 'retry' | 'discard', outcome: TDeadLetterOutcome): string {
  const done =
    action === 'retry'
      ? `Retried ${plural(outcome.retried.length, 'dead letter', 'dead letters')} as new jobs.`
      : `Discarded ${plural(outcome.discarded.length, 'dead letter', 'dead letters')}.`;
  if (outcome.skipped.length === 0) return done;
  const counts = new Map<string, number>();
  for (const { reason } of outcome.skipped) {
    const why = skipReasons[reason];
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  const why = [...counts].map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `${done} Skipped ${outcome.skipped.length}: ${why}.`;
}

/** The selection checked with the contract's own schema (1 to 500 ids at once). */
export function checkSelection(
  ids: readonly string[],
): { ok: true } | { ok: false; message: string } {
  const parsed = ZDeadLetterIds.safeParse({ ids });
  if (parsed.success) return { ok: true };
  const issue = parsed.error.issues[0];
  return { ok: false, message: `Select ${issue?.message ?? 'between 1 and 500'}.` };
}
