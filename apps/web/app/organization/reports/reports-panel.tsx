'use client';

import { reportKinds, type TReport } from '@corebase/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';

import { FeedbackNotice } from '@/app/organization/feedback-notice';
import { PageLoadStatus, type TPageLoadStatus } from '@/app/organization/page-load-status';
import { NewReportForm } from '@/app/organization/reports/new-report-form';
import { ReportRow } from '@/app/organization/reports/report-row';
import type { TFeedback } from '@/app/organization/use-api-action';
import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/notice';
import { appendPage } from '@/lib/notifications';
import { isInProgress, mergeReports, reportPollMs } from '@/lib/report-form';
import {
  fetchReport,
  fetchReportKinds,
  listReports,
  type TReportKindView,
} from '@/lib/reports-api';

const pageSize = 20;

type TList =
  | TPageLoadStatus
  | {
      kind: 'ready';
      items: TReport[];
      nextCursor: string | null;
      loading: 'first' | 'more' | null;
    };

/** The titles the contract knows, for rows when the kinds could not be read. */
const fallbackTitles = new Map<string, string>(
  reportKinds.map((entry) => [entry.kind, entry.title]),
);

/**
 * The caller's own reports in the active organization, newest first, and a form to ask for one.
 * While any is queued or running the page reads those again every 1.5 s, and stops when none is.
 */
export function ReportsPanel() {
  const [kinds, setKinds] = useState<TReportKindView[] | null>(null);
  const [kindsError, setKindsError] = useState<string | null>(null);
  const [list, setList] = useState<TList>({ kind: 'loading' });
  const [feedback, setFeedback] = useState<TFeedback | null>(null);
  const [pollError, setPollError] = useState<string | null>(null);
  const [polls, setPolls] = useState(0);
  // Only the newest read of the first page lands: a slow one never replaces a fresher list.
  const latest = useRef(0);

  const loadFirst = useCallback(async () => {
    const request = ++latest.current;
    setList((current) => (current.kind === 'ready' ? { ...current, loading: 'first' } : current));
    const page = await listReports(null, pageSize);
    if (request !== latest.current) return;
    if (page.ok) {
      setList({
        kind: 'ready',
        items: page.answer.data,
        nextCursor: page.answer.nextCursor,
        loading: null,
      });
      return;
    }
    // The refusal says which: no active organization, or one that requires two-factor first.
    if (page.problem.status === 403) {
      setList({ kind: 'forbidden', message: page.problem.message });
      return;
    }
    setList((current) =>
      current.kind === 'ready'
        ? { ...current, loading: null }
        : { kind: 'failed', message: page.problem.message },
    );
    setFeedback({ tone: 'error', message: page.problem.message });
  }, []);

  useEffect(() => {
    void loadFirst();
  }, [loadFirst]);

  useEffect(() => {
    let cancelled = false;
    void fetchReportKinds().then((answer) => {
      if (cancelled) return;
      if (answer.ok) setKinds(answer.answer);
      else setKindsError(answer.problem.message);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  const activeIds =
    list.kind === 'ready'
      ? list.items
          .filter(isInProgress)
          .map((report) => report.id)
          .join(',')
      : '';

  useEffect(() => {
    if (activeIds === '') return;
    let cancelled = false;
    const timer = window.setTimeout(() => {
      void Promise.all(activeIds.split(',').map((id) => fetchReport(id))).then((answers) => {
        if (cancelled) return;
        const fresh = answers.flatMap((answer) => (answer.ok ? [answer.answer] : []));
        const refused = answers.find((answer) => !answer.ok);
        setList((current) =>
          current.kind === 'ready'
            ? { ...current, items: mergeReports(current.items, fresh) }
            : current,
        );
        // Kept polling: a failed read (the network, a restart) usually passes.
        setPollError(refused && !refused.ok ? refused.problem.message : null);
        // A new round even when nothing moved, which leaves activeIds as it was.
        setPolls((n) => n + 1);
      });
    }, reportPollMs);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [activeIds, polls]);

  async function loadMore(cursor: string) {
    setList((current) => (current.kind === 'ready' ? { ...current, loading: 'more' } : current));
    const page = await listReports(cursor, pageSize);
    setList((current) =>
      current.kind === 'ready'
        ? page.ok
          ? {
              ...current,
              items: appendPage(current.items, page.answer.data),
              nextCursor: page.answer.nextCursor,
              loading: null,
            }
          : { ...current, loading: null }
        : current,
    );
    if (!page.ok) setFeedback({ tone: 'error', message: page.problem.message });
  }

  if (list.kind !== 'ready') return <PageLoadStatus status={list} />;

  const titleOf = (kind: string) =>
    kinds?.find((entry) => entry.kind === kind)?.title ?? fallbackTitles.get(kind) ?? kind;
  const { items, nextCursor, loading } = list;
  return (
    <div className="mt-8 space-y-10">
      <section aria-labelledby="request-heading">
        <h2 id="request-heading" className="text-lg font-semibold">
          New report
        </h2>
        {kinds ? (
          <NewReportForm
            kinds={kinds}
            onRequested={(report, title) => {
              setList((current) =>
                current.kind === 'ready'
                  ? { ...current, items: mergeReports(current.items, [report]) }
                  : current,
              );
              setFeedback({
                tone: 'success',
                message: `Requested the ${title} report (${report.format.toUpperCase()}). It is listed below and downloadable once ready.`,
              });
            }}
          />
        ) : kindsError ? (
          <Notice tone="error" className="mt-3">
            {kindsError}
          </Notice>
        ) : (
          <p className="mt-3 text-sm text-muted-foreground">Loading…</p>
        )}
      </section>
      <section aria-labelledby="reports-heading" className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id="reports-heading" className="text-lg font-semibold">
            Your reports
          </h2>
          <Button
            variant="outline"
            size="sm"
            disabled={loading !== null}
            onClick={() => void loadFirst()}
          >
            {loading === 'first' ? 'Refreshing…' : 'Refresh'}
          </Button>
        </div>
        <div className="empty:hidden">
          <FeedbackNotice feedback={feedback} />
        </div>
        {pollError ? <Notice tone="error">{pollError}</Notice> : null}
        {items.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            No reports yet: request one above. Only you see the reports you ask for.
          </p>
        ) : (
          <ul
            aria-labelledby="reports-heading"
            className="divide-y divide-border rounded-lg border border-border"
          >
            {items.map((report) => (
              <ReportRow key={report.id} report={report} title={titleOf(report.kind)} />
            ))}
          </ul>
        )}
        {nextCursor ? (
          <Button
            variant="outline"
            size="sm"
            disabled={loading !== null}
            onClick={() => void loadMore(nextCursor)}
          >
            {loading === 'more' ? 'Loading…' : 'Load more'}
          </Button>
        ) : null}
      </section>
    </div>
  );
}
