import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '#server/platform/errors';
import { queryRows, type Database, type Tx } from '#server/platform/db/database';
import { dbRoles } from '#server/platform/db/rls';

export type Tenancy = {
  /**
   * Runs `fn` in a transaction as the application role with `app.org_id` set: row-level security
   * then shows and accepts only that organization's rows in every tenant table, whatever the
   * queries inside forget to filter.
   */
  withTenant<T>(orgId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * As the application role with no organization, after checking in the same transaction that
   * `userId` is a platform superadmin: audit entries without an organization become readable.
   * Refused with 403 otherwise.
   */
  withPlatformAdmin<T>(userId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * As the application role with no organization: for platform tables (users, sessions,
   * organizations, memberships) reached by their owning module. Tenant tables show no rows.
   */
  withPlatform<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * As the maintenance role (BYPASSRLS), for cross-tenant machinery only: the outbox dispatcher,
   * retention clean-up. Never for work done on behalf of a request.
   */
  withMaintenance<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
};

const ZOrgId = z.uuid();

export function createTenancy(database: Database): Tenancy {
  return {
    withTenant(orgId, fn) {
      // A malformed id would fail the ::uuid cast in every policy: refuse it before any SQL.
      if (!ZOrgId.safeParse(orgId).success) {
        return Promise.reject(new TypeError(`withTenant: "${orgId}" is not a UUID`));
      }
      return database.transaction(async (tx) => {
        // set_config('role', …, true) is SET LOCAL ROLE with a bindable argument.
        await tx.execute(
          sql`select set_config('role', ${dbRoles.app}, true), set_config('app.org_id', ${orgId}, true)`,
        );
        return fn(tx);
      });
    },

    withPlatformAdmin(userId, fn) {
      return database.transaction(async (tx) => {
        await tx.execute(
          sql`select set_config('role', ${dbRoles.app}, true), set_config('app.org_id', '', true)`,
        );
        const [user] = ZOrgId.safeParse(userId).success
          ? await queryRows<{ role: string }>(tx, sql`select role from users where id = ${userId}`)
          : [];
        if (user?.role !== 'admin') {
          throw new AppError('forbidden', 'This requires a platform superadmin.');
        }
        await tx.execute(sql`select set_config('app.platform_admin', 'on', true)`);
        return fn(tx);
      });
    },

    withPlatform(fn) {
      return database.transaction(async (tx) => {
        await tx.execute(
          sql`select set_config('role', ${dbRoles.app}, true), set_config('app.org_id', '', true)`,
        );
        return fn(tx);
      });
    },

    withMaintenance(fn) {
      return database.transaction(async (tx) => {
        await tx.execute(sql`select set_config('role', ${dbRoles.maintenance}, true)`);
        return fn(tx);
      });
    },
  };
}
