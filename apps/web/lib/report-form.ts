import {
  ZCreateReportBody,
  reportMaxPeriodDays,
  type TCreateReportBody,
  type TFieldError,
  type TReport,
  type TReportFormat,
  type TReportKind,
} from '@corebase/contracts';

import { serverFieldErrors } from '@/lib/form';

/** The reports page of the active organization. */
export const reportsPath = '/organization/reports';

/** How often the page reads again the reports still being made. */
export const reportPollMs = 1_500;

/** The period a report covers unless the person picks another: the last 30 days. */
export const defaultPeriodDays = 30;

const dayMs = 86_400_000;

/** A local calendar day as an `<input type="date">` holds it (YYYY-MM-DD). */
export function dateInputValue(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/** Midnight, local time, of a YYYY-MM-DD day; null when it is not one. */
function localDay(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(year, month - 1, day);
  // new Date rolls 2026-02-31 over into March: such a day does not exist.
  return date.getFullYear() === year && date.getMonth() === month - 1 && date.getDate() === day
    ? date
    : null;
}

/** The form's first from/to pair: the last 30 days, today included. */
export function defaultPeriod(now: Date): { from: string; to: string } {
  const from = new Date(now);
  from.setDate(from.getDate() - defaultPeriodDays);
  return { from: dateInputValue(from), to: dateInputValue(now) };
}

export type TReportFormInput = {
  kind: TReportKind;
  format: TReportFormat;
  /** Whether the kind covers a period: only then are from and to sent. */
  period: boolean;
  /** YYYY-MM-DD, local days, both included. */
  from: string;
  to: string;
};
const reportFormFields = ['kind', 'format', 'from', 'to'] as const;
export type TReportFormField = (typeof reportFormFields)[number];
export type TReportFormErrors = Partial<Record<TReportFormField, string>>;

type TParsed = { ok: true; body: TCreateReportBody } | { ok: false; errors: TReportFormErrors };

/**
 * The request form as the POST body. The days are the person's own: `from` is the start of the
 * first, `to` the end of the last (the next midnight), or now when the last is today, since an
 * end in the future covers nothing more.
 */
export function parseCreateReport(input: TReportFormInput, now: Date): TParsed {
  if (!input.period) {
    const result = ZCreateReportBody.safeParse({ kind: input.kind, format: input.format });
    return result.success
      ? { ok: true, body: result.data }
      : { ok: false, errors: { kind: 'Choose a report and a format.' } };
  }
  const errors: TReportFormErrors = {};
  const fromDay = localDay(input.from);
  const toDay = localDay(input.to);
  if (!fromDay) errors.from = 'Enter the first day of the period.';
  if (!toDay) errors.to = 'Enter the last day of the period.';
  if (!fromDay || !toDay) return { ok: false, errors };
  if (fromDay > toDay) return { ok: false, errors: { from: 'Start on or before the last day.' } };
  if (fromDay > now) return { ok: false, errors: { from: 'Start today or earlier.' } };
  const end = new Date(toDay.getFullYear(), toDay.getMonth(), toDay.getDate() + 1);
  const to = end > now ? now : end;
  if (to.getTime() - fromDay.getTime() > reportMaxPeriodDays * dayMs) {
    return { ok: false, errors: { to: `Cover at most ${reportMaxPeriodDays} days.` } };
  }
  const result = ZCreateReportBody.safeParse({
    kind: input.kind,
    format: input.format,
    from: fromDay.toISOString(),
    to: to.toISOString(),
  });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path[0];
      if (field === 'from' || field === 'to' || field === 'kind' || field === 'format') {
        errors[field] ??= issue.message;
      }
    }
    return { ok: false, errors };
  }
  return { ok: true, body: result.data };
}

/** A 400's field errors by field of the request form, in the server's words. */
export function reportFormErrorsOf(errors: readonly TFieldError[] | undefined): TReportFormErrors {
  return serverFieldErrors(errors, reportFormFields);
}

/** Still being made: the page keeps reading it until it is not. */
export function isInProgress(report: Pick<TReport, 'status'>): boolean {
  return report.status === 'queued' || report.status === 'running';
}

/** A report's state in a few words: `Queued`, `Running, 40%`, `Ready`. */
export function describeReportStatus(report: Pick<TReport, 'status' | 'progress'>): string {
  switch (report.status) {
    case 'queued':
      return 'Queued';
    case 'running':
      return `Running, ${report.progress}%`;
    case 'ready':
      return 'Ready';
    case 'failed':
      return 'Failed';
    case 'expired':
      return 'Expired';
  }
}

/** A file size as people read it: 512 bytes, 1.5 KB, 2.3 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB'] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** `1 row`, `1,204 rows`. */
export function formatRows(count: number): string {
  return `${count.toLocaleString()} ${count === 1 ? 'row' : 'rows'}`;
}

/**
 * Replaces the shown reports by their newer reads (by id) and puts ones not shown yet first,
 * newest first as the list is.
 */
export function mergeReports(shown: TReport[], fresh: TReport[]): TReport[] {
  const byId = new Map(fresh.map((report) => [report.id, report]));
  const known = new Set(shown.map((report) => report.id));
  const added = fresh.filter((report) => !known.has(report.id));
  return [...added, ...shown.map((report) => byId.get(report.id) ?? report)];
}
