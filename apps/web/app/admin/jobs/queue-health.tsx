'use client';

import type { TQueueStatsPage } from '@corebase/contracts';
import { useCallback, useEffect, useState } from 'react';

import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/input';
import { Notice } from '@/components/ui/notice';
import { textLinkClass } from '@/components/ui/text-link';
import {
  defaultQueueWindow,
  formatDurationMs,
  formatFailureRate,
  formatThroughput,
  queueBoardPath,
  queueWindows,
} from '@/lib/jobs';
import { fetchQueueStats } from '@/lib/jobs-api';
import { cn } from '@/lib/utils';

const driverLabels: Record<TQueueStatsPage['driver'], string> = {
  inline: 'inline: jobs are rows in the database',
  bullmq: 'BullMQ: jobs are in Redis',
};

const countColumns = ['waiting', 'delayed', 'active', 'completed', 'failed'] as const;

const headClass = 'px-3 py-2 text-left font-medium text-muted-foreground';
const numberHeadClass = cn(headClass, 'text-right');
const numberCellClass = 'px-3 py-2 text-right tabular-nums';

/** `GET /v1/admin/queues` as a table: jobs per state now, and the window's throughput. */
export function QueueHealth({ refreshKey }: { refreshKey: number }) {
  const [windowMinutes, setWindowMinutes] = useState<number>(defaultQueueWindow);
  const [stats, setStats] = useState<TQueueStatsPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (minutes: number) => {
    setLoading(true);
    const answer = await fetchQueueStats(minutes);
    if (answer.ok) {
      setStats(answer.data);
      setError(null);
    } else {
      setError(answer.message);
    }
    setLoading(false);
  }, []);

  useEffect(() => {
    void load(windowMinutes);
  }, [load, windowMinutes, refreshKey]);

  return (
    <section aria-labelledby="queue-health-heading" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="queue-health-heading" className="text-xl font-semibold">
          Queue health
        </h2>
        <div className="flex items-end gap-2">
          <div>
            <label htmlFor="queue-window" className="text-sm font-medium">
              Window
            </label>
            <Select
              id="queue-window"
              className="mt-1"
              value={windowMinutes}
              onChange={(event) => setWindowMinutes(Number(event.target.value))}
            >
              {queueWindows.map((option) => (
                <option key={option.minutes} value={option.minutes}>
                  {option.label}
                </option>
              ))}
            </Select>
          </div>
          <Button variant="outline" disabled={loading} onClick={() => void load(windowMinutes)}>
            {loading && stats ? 'Refreshing…' : 'Refresh'}
          </Button>
        </div>
      </div>
      {stats ? (
        <p className="text-sm" data-testid="queue-driver">
          <span className="text-muted-foreground">Driver:</span> {driverLabels[stats.driver]}
          {stats.driver === 'bullmq' ? (
            <>
              {' · '}
              {/* Served by the server, not a page of this app: a plain link, a full load. */}
              <a href={queueBoardPath} className={textLinkClass}>
                Open the queue board
              </a>
            </>
          ) : null}
        </p>
      ) : null}
      {error ? <Notice tone="error">{error}</Notice> : null}
      {!stats && loading ? <p className="text-sm text-muted-foreground">Loading…</p> : null}
      {stats ? (
        <div className="overflow-x-auto rounded-lg border border-border">
          <table className="w-full text-sm">
            <caption className="sr-only">
              Jobs per state now, and throughput, failure rate and p95 run time over the last{' '}
              {stats.windowMinutes} minutes
            </caption>
            <thead className="border-b border-border bg-muted/50">
              <tr>
                <th scope="col" className={headClass}>
                  Queue
                </th>
                {countColumns.map((column) => (
                  <th key={column} scope="col" className={cn(numberHeadClass, 'capitalize')}>
                    {column}
                  </th>
                ))}
                <th scope="col" className={numberHeadClass}>
                  Throughput/min
                </th>
                <th scope="col" className={numberHeadClass}>
                  Failure rate
                </th>
                <th scope="col" className={numberHeadClass}>
                  p95
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {stats.queues.map((queue) => (
                <tr key={queue.queue} data-testid="queue-row">
                  <th scope="row" className="px-3 py-2 text-left font-mono font-medium">
                    {queue.queue}
                  </th>
                  {countColumns.map((column) => (
                    <td
                      key={column}
                      className={cn(
                        numberCellClass,
                        column === 'failed' && queue.counts.failed > 0 && 'text-danger',
                      )}
                    >
                      {queue.counts[column]}
                    </td>
                  ))}
                  <td className={numberCellClass}>{formatThroughput(queue.throughputPerMinute)}</td>
                  <td className={cn(numberCellClass, queue.failureRate > 0 && 'text-danger')}>
                    {formatFailureRate(queue.failureRate)}
                  </td>
                  <td className={numberCellClass}>{formatDurationMs(queue.p95DurationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {stats && stats.queues.length === 0 ? (
        <p className="text-sm text-muted-foreground">No queue is registered.</p>
      ) : null}
    </section>
  );
}
