import {
  ZAuditPage,
  ZListAuditQuery,
  type TAuditEntry,
  type TListAuditQuery,
} from '@corebase/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Audit } from '#server/modules/audit/audit.service';
import type { TAuditRow, TListAuditFilter } from '#server/modules/audit/audit.repository';
import type { Tenancy } from '#server/platform/db/tenancy';
import { decodeCursor, encodeCursor } from '#server/platform/http/cursor';

const beforeOf = (cursor: string) => {
  const { at, id } = decodeCursor(cursor);
  return { createdAt: at, id };
};

const present = (row: TAuditRow): TAuditEntry => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
});

/** One more row than the page, to know whether another page follows. */
function filterOf(query: TListAuditQuery): TListAuditFilter {
  return {
    ...(query.actor ? { actorId: query.actor } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.from ? { from: new Date(query.from) } : {}),
    ...(query.to ? { to: new Date(query.to) } : {}),
    ...(query.cursor ? { before: beforeOf(query.cursor) } : {}),
    limit: query.limit + 1,
  };
}

function pageOf(rows: TAuditRow[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(present),
    nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export function auditRoutes(deps: { audit: Audit; tenancy: Tenancy }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/audit-log',
      {
        config: { permission: 'audit:read' },
        schema: {
          tags: ['audit'],
          operationId: 'listAuditLog',
          description: 'Filter by actor, action and time (`from`, `to`); paged with `cursor`.',
          summary:
            'Audit entries of the active organization, newest first (platform entries: superadmins).',
          querystring: ZListAuditQuery,
          response: { 200: ZAuditPage },
        },
      },
      async (request) => {
        const principal = request.principal!;
        const rows = await deps.tenancy.withTenant(principal.orgId!, (tx) =>
          deps.audit.list(tx, filterOf(request.query)),
        );
        return pageOf(rows, request.query.limit);
      },
    );

    app.get(
      '/v1/admin/audit-log',
      {
        config: { permission: 'superadmin' },
        schema: {
          tags: ['admin'],
          operationId: 'listPlatformAuditLog',
          description:
            "Entries that belong to no organization, with the same filters and paging as the organization's log. Superadmins only.",
          summary: 'Platform audit entries (without an organization), newest first.',
          querystring: ZListAuditQuery,
          response: { 200: ZAuditPage },
        },
      },
      async (request) => {
        const rows = await deps.tenancy.withPlatformAdmin(request.principal!.userId, (tx) =>
          deps.audit.list(tx, { ...filterOf(request.query), platformOnly: true }),
        );
        return pageOf(rows, request.query.limit);
      },
    );
  };
}
