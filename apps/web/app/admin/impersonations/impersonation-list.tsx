'use client';

import { ZImpersonationPage, type TImpersonation } from '@corebase/contracts';
import { useCallback, useEffect, useState } from 'react';

import { PagedList } from '@/components/paged-list';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Notice } from '@/components/ui/notice';
import { getJson, readProblem, sendJson, unreachableMessage } from '@/lib/api';
import { endedHow, personLabel } from '@/lib/impersonation';
import { usePagedList, type TPageAnswer } from '@/lib/use-paged-list';

const pageSize = 20;

function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

function Party({ party }: { party: TImpersonation['user'] }) {
  return (
    <>
      <span className="font-medium">{personLabel(party, 'a deleted account')}</span>
      {party.email && party.name ? (
        <span className="text-muted-foreground"> ({party.email})</span>
      ) : null}
    </>
  );
}

function ImpersonationRow({
  impersonation,
  viewerId,
  ending,
  onEnd,
}: {
  impersonation: TImpersonation;
  viewerId: string;
  ending: boolean;
  onEnd: (impersonation: TImpersonation) => void;
}) {
  const admin = personLabel(impersonation.admin, 'a superadmin');
  const user = personLabel(impersonation.user, 'a deleted account');
  return (
    <li data-testid="impersonation-row" className="px-4 py-3">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <p className="min-w-0 break-words">
          <Party party={impersonation.admin} /> acting as <Party party={impersonation.user} />
        </p>
        {impersonation.active ? (
          <ConfirmButton
            label="End"
            ariaLabel={`End ${admin}’s impersonation of ${user}`}
            question={`End ${admin}’s impersonation of ${user} now?`}
            confirmLabel="End it"
            disabled={ending}
            onConfirm={() => onEnd(impersonation)}
          />
        ) : null}
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-sm">
        <dt className="text-muted-foreground">Reason</dt>
        <dd className="break-words">{impersonation.reason}</dd>
        <dt className="text-muted-foreground">Started</dt>
        <dd>
          <time dateTime={impersonation.startedAt}>{formatDateTime(impersonation.startedAt)}</time>
        </dd>
        {impersonation.endedAt ? (
          <>
            <dt className="text-muted-foreground">Ended</dt>
            <dd>
              <time dateTime={impersonation.endedAt}>{formatDateTime(impersonation.endedAt)}</time>
            </dd>
            <dt className="text-muted-foreground">How</dt>
            <dd data-testid="impersonation-end">{endedHow(impersonation, viewerId)}</dd>
          </>
        ) : (
          <>
            <dt className="text-muted-foreground">Ends</dt>
            <dd>
              <time dateTime={impersonation.expiresAt}>
                {formatDateTime(impersonation.expiresAt)}
              </time>
            </dd>
          </>
        )}
      </dl>
    </li>
  );
}

/** One page of `GET /v1/admin/impersonations`, or the sentence to show instead. */
async function fetchPage(
  status: 'active' | 'ended',
  cursor: string | null,
): Promise<TPageAnswer<TImpersonation>> {
  const query = new URLSearchParams({ status, limit: String(pageSize) });
  if (cursor) query.set('cursor', cursor);
  try {
    const response = await getJson(`/v1/admin/impersonations?${query.toString()}`);
    if (!response.ok) return { ok: false, message: (await readProblem(response)).message };
    const page = ZImpersonationPage.safeParse(await response.json());
    if (!page.success) {
      return { ok: false, message: 'The server answered with a list this page cannot read.' };
    }
    return { ok: true, data: page.data };
  } catch {
    return { ok: false, message: unreachableMessage };
  }
}

/**
 * Running or past impersonations, newest first, a page at a time ("Load more" follows the
 * cursor). `refreshKey` changing reads the list again from its first page.
 */
export function ImpersonationList({
  status,
  title,
  empty,
  viewerId,
  refreshKey,
  onChanged,
}: {
  status: 'active' | 'ended';
  title: string;
  empty: string;
  viewerId: string;
  refreshKey: number;
  /** After an End: both lists change. */
  onChanged: () => void;
}) {
  const headingId = `impersonations-${status}-heading`;
  const [ending, setEnding] = useState(false);
  const [feedback, setFeedback] = useState<{ tone: 'error' | 'success'; message: string } | null>(
    null,
  );

  const fetchStatusPage = useCallback(
    (cursor: string | null) => fetchPage(status, cursor),
    [status],
  );
  const list = usePagedList(fetchStatusPage);
  const { load } = list;

  useEffect(() => {
    void load(null);
  }, [load, refreshKey]);

  async function end(impersonation: TImpersonation) {
    setEnding(true);
    setFeedback(null);
    const user = personLabel(impersonation.user, 'a deleted account');
    try {
      const response = await sendJson('DELETE', `/v1/admin/impersonations/${impersonation.id}`);
      if (response.ok) {
        setFeedback({ tone: 'success', message: `Ended the impersonation of ${user}.` });
        onChanged();
      } else {
        setFeedback({ tone: 'error', message: (await readProblem(response)).message });
      }
    } catch {
      setFeedback({ tone: 'error', message: unreachableMessage });
    }
    setEnding(false);
  }

  return (
    <section aria-labelledby={headingId} className="space-y-3">
      <h2 id={headingId} className="text-xl font-semibold">
        {title}
      </h2>
      {feedback ? <Notice tone={feedback.tone}>{feedback.message}</Notice> : null}
      <PagedList
        list={list}
        headingId={headingId}
        empty={empty}
        renderItem={(impersonation) => (
          <ImpersonationRow
            impersonation={impersonation}
            viewerId={viewerId}
            ending={ending}
            onEnd={(target) => void end(target)}
          />
        )}
      />
    </section>
  );
}
