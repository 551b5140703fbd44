import type { TReport } from '@corebase/contracts';
import { describe, expect, it } from 'vitest';

import {
  dateInputValue,
  defaultPeriod,
  describeReportStatus,
  formatBytes,
  formatRows,
  isInProgress,
  mergeReports,
  parseCreateReport,
  reportFormErrorsOf,
} from '@/lib/report-form';

// Local time throughout: the form's days are the person's own.
const now = new Date(2026, 5, 15, 14, 30);

describe('defaultPeriod', () => {
  it('is the last 30 days, today included', () => {
    expect(defaultPeriod(now)).toEqual({ from: '2026-05-16', to: '2026-06-15' });
    expect(dateInputValue(new Date(2026, 0, 5))).toBe('2026-01-05');
  });
});

describe('parseCreateReport', () => {
  const activity = { kind: 'activity', format: 'pdf', period: true } as const;

  it('sends no period for a kind without one', () => {
    expect(
      parseCreateReport(
        { kind: 'members', format: 'csv', period: false, from: '2026-05-16', to: '2026-06-15' },
        now,
      ),
    ).toEqual({ ok: true, body: { kind: 'members', format: 'csv' } });
  });

  it('sends local midnight of the first day, and now when the last day is today', () => {
    const parsed = parseCreateReport({ ...activity, from: '2026-05-16', to: '2026-06-15' }, now);
    expect(parsed).toEqual({
      ok: true,
      body: {
        kind: 'activity',
        format: 'pdf',
        from: new Date(2026, 4, 16).toISOString(),
        to: now.toISOString(),
      },
    });
  });

  it('ends a past last day at the next midnight', () => {
    const parsed = parseCreateReport({ ...activity, from: '2026-06-01', to: '2026-06-10' }, now);
    expect(parsed.ok && parsed.body.to).toBe(new Date(2026, 5, 11).toISOString());
  });

  it('names the day that is wrong', () => {
    const errorsOf = (from: string, to: string) => {
      const parsed = parseCreateReport({ ...activity, from, to }, now);
      return parsed.ok ? {} : parsed.errors;
    };
    expect(Object.keys(errorsOf('', '2026-06-10'))).toEqual(['from']);
    expect(Object.keys(errorsOf('2026-06-01', '2026-02-31'))).toEqual(['to']);
    expect(Object.keys(errorsOf('2026-06-10', '2026-06-01'))).toEqual(['from']);
    expect(Object.keys(errorsOf('2026-06-20', '2026-06-25'))).toEqual(['from']);
    expect(errorsOf('2024-01-01', '2026-06-10').to).toMatch(/at most 366 days/);
  });
});

describe('reportFormErrorsOf', () => {
  it("keeps the server's sentence per field of the body", () => {
    expect(
      reportFormErrorsOf([
        { in: 'body', field: 'from', message: 'from must be before to' },
        { in: 'querystring', field: 'to', message: 'ignored' },
      ]),
    ).toEqual({ from: 'from must be before to' });
  });
});

describe('describing a report', () => {
  it('says its status, with progress while running', () => {
    expect(describeReportStatus({ status: 'queued', progress: 0 })).toBe('Queued');
    expect(describeReportStatus({ status: 'running', progress: 40 })).toBe('Running, 40%');
    expect(describeReportStatus({ status: 'expired', progress: 100 })).toBe('Expired');
    expect(isInProgress({ status: 'running' })).toBe(true);
    expect(isInProgress({ status: 'ready' })).toBe(false);
  });

  it('sizes files and counts rows', () => {
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(200 * 1024)).toBe('200 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
    expect(formatRows(1)).toBe('1 row');
    expect(formatRows(12)).toBe('12 rows');
  });
});

describe('mergeReports', () => {
  const report = (id: string, status: TReport['status']) => ({ id, status }) as TReport;

  it('replaces reports by their newer read and puts new ones first', () => {
    expect(
      mergeReports(
        [report('a', 'running'), report('b', 'ready')],
        [report('a', 'ready'), report('c', 'queued')],
      ),
    ).toEqual([report('c', 'queued'), report('a', 'ready'), report('b', 'ready')]);
  });
});
