import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { pgPolicy } from 'drizzle-orm/pg-core';

/**
 * Database roles. The connection's own role owns the tables (and may be a superuser in tests,
 * which would bypass RLS), so every unit of work switches to one of these with SET LOCAL ROLE.
 */
export const dbRoles = {
  /** Requests and jobs acting for one organization: subject to every RLS policy. */
  app: 'corebase_app',
  /** Cross-tenant machinery (outbox dispatch, clean-up): BYPASSRLS. */
  maintenance: 'corebase_maintenance',
} as const;

/**
 * The organization of the current unit of work. `nullif(…, '')` because a setting once set in a
 * session reads back as '' (not NULL) after its transaction ends.
 */
export const currentOrgId = sql`nullif(current_setting('app.org_id', true), '')::uuid`;

/** `org_id = current org`, for both USING and WITH CHECK of a tenant table. */
export const tenantIsolationPolicy = (orgId: AnyColumn): ReturnType<typeof pgPolicy> => {
  const match: SQL = sql`${orgId} = ${currentOrgId}`;
  return pgPolicy('tenant_isolation', {
    as: 'permissive',
    for: 'all',
    to: 'public',
    using: match,
    withCheck: match,
  });
};
