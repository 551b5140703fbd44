'use client';

import { reportFormats, type TReport, type TReportFormat } from '@corebase/contracts';
import { useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Field, FieldFrame } from '@/components/ui/field';
import { Select } from '@/components/ui/input';
import { Notice } from '@/components/ui/notice';
import {
  defaultPeriod,
  parseCreateReport,
  reportFormErrorsOf,
  type TReportFormField,
} from '@/lib/report-form';
import { requestReport, type TReportKindView } from '@/lib/reports-api';
import { useFormSubmit } from '@/lib/use-form-submit';

const formatLabels: Record<TReportFormat, string> = {
  csv: 'CSV (spreadsheets)',
  pdf: 'PDF (to read or print)',
};

/**
 * What to report on, in which format, and for a kind that covers one, the period (the last 30
 * days to begin with). A refusal goes next to its field when it names one (a bad period), under
 * the form otherwise (no permission for that kind, too many in progress).
 */
export function NewReportForm({
  kinds,
  onRequested,
}: {
  kinds: TReportKindView[];
  onRequested: (report: TReport, title: string) => void;
}) {
  const [kind, setKind] = useState<TReportKindView['kind'] | undefined>(kinds[0]?.kind);
  const [format, setFormat] = useState<TReportFormat>('csv');
  const [period, setPeriod] = useState(() => defaultPeriod(new Date()));
  const { formRef, errors, setErrors, problem, setProblem, pending, showRefusal, send } =
    useFormSubmit<TReportFormField>();
  const chosen = kinds.find((entry) => entry.kind === kind);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    if (!chosen) {
      setErrors({ kind: 'Choose a report.' });
      return;
    }
    const parsed = parseCreateReport(
      { kind: chosen.kind, format, period: chosen.period, ...period },
      new Date(),
    );
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    await send(async () => {
      const result = await requestReport(parsed.body);
      if (!result.ok) {
        const fieldErrors = reportFormErrorsOf(result.problem.errors);
        // From and to are only on screen for a kind with a period: otherwise say it under the form.
        if (!chosen.period) {
          delete fieldErrors.from;
          delete fieldErrors.to;
        }
        showRefusal(fieldErrors, result.problem.message);
        return;
      }
      onRequested(result.answer, chosen.title);
    });
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      className="mt-3 space-y-4 rounded-lg border border-border p-4"
      noValidate
      aria-labelledby="new-report-heading"
    >
      <h3 id="new-report-heading" className="font-medium">
        Request a report
      </h3>
      <div className="grid gap-4 sm:grid-cols-[1fr_14rem]">
        <FieldFrame
          label="Report"
          hint={
            chosen ? (
              <>
                {chosen.description} Needs <code>{chosen.permission}</code>.
              </>
            ) : undefined
          }
          error={errors.kind}
        >
          {(control) => (
            <Select
              {...control}
              name="kind"
              className="mt-1"
              value={kind ?? ''}
              onChange={(event) => {
                setErrors({});
                setProblem(null);
                setKind(kinds.find((entry) => entry.kind === event.target.value)?.kind);
              }}
            >
              {kinds.map((entry) => (
                <option key={entry.kind} value={entry.kind}>
                  {entry.title}
                </option>
              ))}
            </Select>
          )}
        </FieldFrame>
        <FieldFrame label="Format" error={errors.format}>
          {(control) => (
            <Select
              {...control}
              name="format"
              className="mt-1"
              value={format}
              onChange={(event) =>
                setFormat(
                  reportFormats.find((entry) => entry === event.target.value) ?? reportFormats[0],
                )
              }
            >
              {reportFormats.map((entry) => (
                <option key={entry} value={entry}>
                  {formatLabels[entry]}
                </option>
              ))}
            </Select>
          )}
        </FieldFrame>
      </div>
      {chosen?.period ? (
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium">Period</legend>
          <p className="text-xs text-muted-foreground">
            Both days included, in your time zone; the last 30 days unless you pick others.
          </p>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              label="From"
              name="from"
              type="date"
              required
              value={period.from}
              onChange={(event) =>
                setPeriod((current) => ({ ...current, from: event.target.value }))
              }
              error={errors.from}
            />
            <Field
              label="To"
              name="to"
              type="date"
              required
              value={period.to}
              onChange={(event) => setPeriod((current) => ({ ...current, to: event.target.value }))}
              error={errors.to}
            />
          </div>
        </fieldset>
      ) : null}
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <Button type="submit" disabled={pending || !chosen}>
        {pending ? 'Requesting…' : 'Request report'}
      </Button>
    </form>
  );
}
