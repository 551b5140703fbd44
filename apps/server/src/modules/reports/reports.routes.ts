import {
  ZCreateReportBody,
  ZListReportsQuery,
  ZReport,
  ZReportKinds,
  ZReportPage,
  ZReportParams,
} from '@corebase/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ReportsService } from '#server/modules/reports/reports.service';
import { decodeCursor, pageOf } from '#server/platform/http/cursor';
import { requestContextOf } from '#server/platform/http/request-context';

/**
 * Reports of the active organization: asked for here, produced by a job, downloaded through a
 * signed link. Anyone in the organization may ask; each kind needs its own permission too.
 */
export function reportRoutes(deps: { reports: ReportsService }): FastifyPluginAsyncZod {
  const { reports } = deps;
  const config = { permission: 'organization:read' as const };
  const tags = ['reports'];
  const orgOf = (request: FastifyRequest) => request.principal!.orgId!;
  const readerOf = (request: FastifyRequest) => ({
    userId: request.principal!.userId,
    permissions: request.principal!.permissions,
  });
  return async (app) => {
    app.get(
      '/v1/reports/kinds',
      {
        config,
        schema: {
          tags,
          operationId: 'listReportKinds',
          description:
            'Each kind with its title, description, the permission asking for it takes, and whether it covers a period.',
          summary: 'The reports there are, and the permission each needs.',
          response: { 200: ZReportKinds },
        },
      },
      async () => ({ data: reports.kinds() }),
    );

    app.post(
      '/v1/reports',
      {
        config,
        schema: {
          tags,
          operationId: 'requestReport',
          description:
            'Needs the permission of the kind asked for. Refused (409) while the caller has too many reports in progress in the organization.',
          summary:
            'Ask for a report (CSV or PDF). It is produced in the background: follow its status and progress with GET, download it from its link when ready; a notification says so.',
          body: ZCreateReportBody,
          response: { 202: ZReport },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const report = await reports.request(
          orgOf(request),
          {
            userId: principal.userId,
            apiKeyId: principal.apiKeyId,
            permissions: principal.permissions,
            context: requestContextOf(request),
          },
          request.body,
        );
        return reply.status(202).header('location', `/v1/reports/${report.id}`).send(report);
      },
    );

    app.get(
      '/v1/reports',
      {
        config,
        schema: {
          tags,
          operationId: 'listReports',
          description: 'Paged with `cursor`. A ready report carries a signed download link.',
          summary:
            'Your reports in the active organization (of the kinds you may still ask for), newest first, with status and progress.',
          querystring: ZListReportsQuery,
          response: { 200: ZReportPage },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const before = cursor ? decodeCursor(cursor) : undefined;
        const { rows, present } = await reports.list(orgOf(request), readerOf(request), {
          ...(before ? { before: { createdAt: before.at, id: before.id } } : {}),
          limit: limit + 1,
        });
        const { page, nextCursor } = pageOf(rows, limit, (row) => row.createdAt);
        return { data: await Promise.all(page.map(present)), nextCursor };
      },
    );

    app.get(
      '/v1/reports/:id',
      {
        config,
        schema: {
          tags,
          operationId: 'getReport',
          description:
            'Poll it for status and progress; each read of a ready report signs a new download link.',
          summary: 'One of your reports; a ready one carries a fresh download link.',
          params: ZReportParams,
          response: { 200: ZReport },
        },
      },
      async (request) => reports.get(orgOf(request), readerOf(request), request.params.id),
    );
  };
}
