import type { TReport } from '@corebase/contracts';

import { textLinkClass } from '@/components/ui/text-link';
import { describeReportStatus, formatBytes, formatRows, isInProgress } from '@/lib/report-form';
import { cn } from '@/lib/utils';

const statusBadge: Record<TReport['status'], string> = {
  queued: 'border-border bg-muted',
  running: 'border-warning/70 bg-warning/10',
  ready: 'border-success/60 bg-success/10',
  failed: 'border-danger/60 bg-danger/10',
  expired: 'border-border bg-muted text-muted-foreground',
};

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function When({ iso }: { iso: string }) {
  return <time dateTime={iso}>{timeFormat.format(new Date(iso))}</time>;
}

/** One report: how far it got, and once ready, the file behind a plain download link. */
export function ReportRow({ report, title }: { report: TReport; title: string }) {
  const name = `${title} report (${report.format.toUpperCase()})`;
  return (
    <li data-testid="report-row" className="space-y-2 px-4 py-3">
      <div className="flex flex-wrap items-baseline justify-between gap-x-3">
        <h3 className="font-medium">{name}</h3>
        <span className="text-sm text-muted-foreground">
          Requested <When iso={report.createdAt} />
        </span>
      </div>
      <p className="text-sm">
        <span
          data-testid="report-status"
          className={cn('rounded-sm border px-1.5 py-0.5 text-xs', statusBadge[report.status])}
        >
          {describeReportStatus(report)}
        </span>
      </p>
      {isInProgress(report) ? (
        <div
          role="progressbar"
          aria-label={`Progress of the ${name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={report.progress}
          className="h-2 w-full overflow-hidden rounded-full bg-muted"
        >
          <div
            className="h-full rounded-full bg-primary transition-[width] duration-500"
            style={{ width: `${report.progress}%` }}
          />
        </div>
      ) : null}
      {report.status === 'ready' && report.downloadUrl ? (
        <div className="space-y-1 text-sm">
          <p>
            {/* A signed link that needs no cookie: a plain link, so the browser downloads it. */}
            <a href={report.downloadUrl} download={report.fileName} className={textLinkClass}>
              Download {report.fileName}
            </a>
          </p>
          {report.downloadExpiresAt ? (
            <p className="text-xs text-muted-foreground">
              The link works until <When iso={report.downloadExpiresAt} />; reload the list for a
              new one.
            </p>
          ) : null}
        </div>
      ) : null}
      {report.status === 'failed' ? (
        <p className="text-sm break-words text-danger">
          {report.error ?? 'It could not be produced.'}
        </p>
      ) : null}
      {report.status === 'expired' ? (
        <p className="text-sm text-muted-foreground">
          Expired: its file was deleted. Request it again for a new one.
        </p>
      ) : null}
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-sm">
        {report.from && report.to ? (
          <>
            <dt className="text-muted-foreground">Period</dt>
            <dd>
              <When iso={report.from} /> to <When iso={report.to} />
            </dd>
          </>
        ) : null}
        {report.rowCount !== null || report.sizeBytes !== null ? (
          <>
            <dt className="text-muted-foreground">File</dt>
            <dd data-testid="report-file">
              {[
                report.rowCount === null ? null : formatRows(report.rowCount),
                report.sizeBytes === null ? null : formatBytes(report.sizeBytes),
              ]
                .filter(Boolean)
                .join(', ')}
            </dd>
          </>
        ) : null}
        {report.completedAt ? (
          <>
            <dt className="text-muted-foreground">
              {report.status === 'failed' ? 'Failed' : 'Completed'}
            </dt>
            <dd>
              <When iso={report.completedAt} />
            </dd>
          </>
        ) : null}
        {report.status === 'ready' && report.expiresAt ? (
          <>
            <dt className="text-muted-foreground">Kept until</dt>
            <dd>
              <When iso={report.expiresAt} />
            </dd>
          </>
        ) : null}
      </dl>
    </li>
  );
}
