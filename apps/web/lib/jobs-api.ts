import {
  ZDeadLetterOutcome,
  ZDeadLetterPage,
  ZQueueStatsPage,
  type TDeadLetterOutcome,
  type TDeadLetterView,
  type TQueueStatsPage,
} from '@corebase/contracts';

import { callGuardedApi, getJson, postJson, type TGuardedAnswer, type TSchema } from '@/lib/api';
import { superadminOnlyMessage } from '@/lib/jobs';

/**
 * An answer of the operations API, or why there is none: `forbidden` when the caller is no
 * (longer a) platform superadmin, so the page can say so instead of the API's bare refusal.
 */
export type TJobsAnswer<T> = TGuardedAnswer<T>;

function read<T>(schema: TSchema<T>, request: () => Promise<Response>): Promise<TJobsAnswer<T>> {
  return callGuardedApi(request, schema, () => superadminOnlyMessage);
}

/** `GET /v1/admin/queues`: every registered queue's health over the last `windowMinutes`. */
export function fetchQueueStats(windowMinutes: number): Promise<TJobsAnswer<TQueueStatsPage>> {
  const query = new URLSearchParams({ windowMinutes: String(windowMinutes) });
  return read(ZQueueStatsPage, () => getJson(`/v1/admin/queues?${query.toString()}`));
}

export type TDeadLetterPageView = { data: TDeadLetterView[]; nextCursor: string | null };

/** `GET /v1/admin/dead-letters`: one page, newest first, of one job's or of all. */
export function fetchDeadLetters(options: {
  name: string;
  cursor: string | null;
  limit: number;
}): Promise<TJobsAnswer<TDeadLetterPageView>> {
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (options.name) query.set('name', options.name);
  if (options.cursor) query.set('cursor', options.cursor);
  return read(ZDeadLetterPage, () => getJson(`/v1/admin/dead-letters?${query.toString()}`));
}

/** `POST /v1/admin/dead-letters/retry|discard`: what was done to each of `ids`. */
export function actOnDeadLetters(
  action: 'retry' | 'discard',
  ids: readonly string[],
): Promise<TJobsAnswer<TDeadLetterOutcome>> {
  return read(ZDeadLetterOutcome, () =>
    postJson(`/v1/admin/dead-letters/${action}`, { ids: [...ids] }),
  );
}
