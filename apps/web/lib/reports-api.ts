import {
  ZReport,
  ZReportKinds,
  ZReportPage,
  type TCreateReportBody,
  type TReport,
} from '@corebase/contracts';

import { callApi, getJson, postJson, type TApiResult } from '@/lib/api';

export type TReportKindView = {
  kind: TReport['kind'];
  title: string;
  description: string;
  permission: string;
  period: boolean;
};
export type TReportPageView = { data: TReport[]; nextCursor: string | null };

const readReport = (body: unknown): TReport | null => ZReport.safeParse(body).data ?? null;

/** `GET /v1/reports/kinds`: what can be asked for, and the permission each needs. */
export function fetchReportKinds(): Promise<TApiResult<TReportKindView[]>> {
  return callApi(
    () => getJson('/v1/reports/kinds'),
    (body) => ZReportKinds.safeParse(body).data?.data ?? null,
  );
}

/** `GET /v1/reports`: the caller's own reports in the active organization, newest first. */
export function listReports(
  cursor: string | null,
  limit = 20,
): Promise<TApiResult<TReportPageView>> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return callApi(
    () => getJson(`/v1/reports?${query}`),
    (body) => ZReportPage.safeParse(body).data ?? null,
  );
}

/** `GET /v1/reports/{id}`: one report, with a fresh download link once it is ready. */
export function fetchReport(id: string): Promise<TApiResult<TReport>> {
  return callApi(() => getJson(`/v1/reports/${encodeURIComponent(id)}`), readReport);
}

/** `POST /v1/reports`: 202 with the report, queued; 403 without the kind's permission. */
export function requestReport(body: TCreateReportBody): Promise<TApiResult<TReport>> {
  return callApi(() => postJson('/v1/reports', body), readReport);
}
