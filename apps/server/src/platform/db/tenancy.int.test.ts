import { z } from 'zod';
import { defineEvent } from '@corebase/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/modules/audit/audit.schema';
import { createAudit } from '#server/modules/audit/audit.service';
import { organizations, users } from '#server/modules/identity/identity.schema';
import { organizationSettings } from '#server/modules/settings/settings.schema';
import { newId } from '#server/platform/db/columns';
import {
  databaseErrorOf,
  queryRows,
  RootHandleInTransactionError,
} from '#server/platform/db/database';
import { platformTableNames, tenantTableNames } from '#server/platform/db/schema';
import { createTenancy, type Tenancy } from '#server/platform/db/tenancy';
import { AppError } from '#server/platform/errors';
import { createEvents } from '#server/platform/outbox/events';
import { outbox } from '#server/platform/outbox/outbox.schema';
import { openTestDatabase, testBackends, type TTestDatabase } from '#test/databases';

const settingsChanged = defineEvent({
  name: 'settings.changed',
  version: 1,
  description: 'test event',
  schema: z.object({ days: z.number() }),
});

const audit = createAudit();

/** The SQLSTATE and message the database gave for a refused statement. */
async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  const cause = databaseErrorOf(error);
  if (!cause) throw new Error(`expected a database refusal, got ${String(error)}`);
  return `${cause.code}: ${cause.message}`;
}
const events = createEvents();

describe.each(testBackends())('row-level tenancy on %s', (backend) => {
  let handle: TTestDatabase;
  let tenancy: Tenancy;
  const orgA = newId();
  const orgB = newId();
  const admin = newId();
  const plainUser = newId();

  beforeAll(async () => {
    handle = await openTestDatabase(backend);
    tenancy = createTenancy(handle.database);
    const { db } = handle.database;
    // Platform tables: written by their owning module outside any tenant context.
    await db.insert(organizations).values([
      { id: orgA, name: 'Org A', slug: `a-${orgA}` },
      { id: orgB, name: 'Org B', slug: `b-${orgB}` },
    ]);
    await db.insert(users).values([
      { id: admin, name: 'Admin', email: `admin-${admin}@example.test`, role: 'admin' },
      { id: plainUser, name: 'User', email: `user-${plainUser}@example.test` },
    ]);
    for (const orgId of [orgA, orgB]) {
      await tenancy.withTenant(orgId, async (tx) => {
        await tx.insert(organizationSettings).values({ orgId });
        await audit.record(tx, {
          orgId,
          actor: { type: 'system' },
          action: 'organization.created',
        });
        await audit.record(tx, {
          orgId: null,
          actor: { type: 'system' },
          action: 'platform.noticed',
        });
      });
    }
  });

  afterAll(async () => {
    await handle?.close();
  });

  it('runs as the non-owner application role, not the connection role', async () => {
    const [row] = await tenancy.withTenant(orgA, (tx) =>
      queryRows<{ role: string }>(tx, sql`select current_user as role`),
    );
    expect(row?.role).toBe('corebase_app');
  });

  it('a query without any org filter returns only the current organization’s rows', async () => {
    const rows = await tenancy.withTenant(orgA, (tx) => tx.select().from(auditLog));
    expect(rows.map((r) => r.orgId)).toEqual([orgA]);
    const settings = await tenancy.withTenant(orgB, (tx) => tx.select().from(organizationSettings));
    expect(settings.map((s) => s.orgId)).toEqual([orgB]);
  });

  it('refuses an insert into another organization', async () => {
    expect(
      await refusal(
        tenancy.withTenant(orgA, (tx) =>
          audit.record(tx, { orgId: orgB, actor: { type: 'system' }, action: 'attack.insert' }),
        ),
      ),
    ).toMatch(/^42501: new row violates row-level security policy/);
    // Nothing of the refused transaction remains.
    const rows = await tenancy.withTenant(orgB, (tx) =>
      tx
        .select()
        .from(auditLog)
        .where(sql`${auditLog.action} = 'attack.insert'`),
    );
    expect(rows).toEqual([]);
  });

  it('an update aimed at another organization changes nothing, and cannot move a row there', async () => {
    const touched = await tenancy.withTenant(orgA, (tx) =>
      tx
        .update(organizationSettings)
        .set({ auditRetentionDays: 1 })
        .where(sql`${organizationSettings.orgId} = ${orgB}`)
        .returning(),
    );
    expect(touched).toEqual([]);
    const [other] = await tenancy.withTenant(orgB, (tx) => tx.select().from(organizationSettings));
    expect(other?.auditRetentionDays).toBe(365);

    expect(
      await refusal(
        tenancy.withTenant(orgA, (tx) =>
          tx
            .update(organizationSettings)
            .set({ orgId: orgB })
            .where(sql`true`),
        ),
      ),
    ).toMatch(/^42501: new row violates row-level security policy/);
  });

  it('the audit log is append-only for the application role', async () => {
    expect(
      await refusal(
        tenancy.withTenant(orgA, (tx) => tx.update(auditLog).set({ action: 'tampered.entry' })),
      ),
    ).toMatch(/^42501: permission denied for table audit_log/);
    expect(await refusal(tenancy.withTenant(orgA, (tx) => tx.delete(auditLog)))).toMatch(
      /^42501: permission denied for table audit_log/,
    );
  });

  it('with no tenant context, tenant tables show zero rows', async () => {
    const rows = await handle.database.transaction(async (tx) => {
      await tx.execute(sql`select set_config('role', 'corebase_app', true)`);
      return {
        audit: await tx.select().from(auditLog),
        settings: await tx.select().from(organizationSettings),
      };
    });
    expect(rows).toEqual({ audit: [], settings: [] });
  });

  it('entries without an organization are readable only inside withPlatformAdmin', async () => {
    const asTenant = await tenancy.withTenant(orgA, (tx) =>
      tx
        .select()
        .from(auditLog)
        .where(sql`${auditLog.orgId} is null`),
    );
    expect(asTenant).toEqual([]);
    const asAdmin = await tenancy.withPlatformAdmin(admin, (tx) =>
      audit.list(tx, { platformOnly: true, limit: 50 }),
    );
    expect(asAdmin.map((r) => r.action)).toEqual(['platform.noticed', 'platform.noticed']);
    // The superadmin flag reveals platform entries, not other tenants' rows.
    const tenantRows = await tenancy.withPlatformAdmin(admin, (tx) =>
      tx
        .select()
        .from(auditLog)
        .where(sql`${auditLog.orgId} is not null`),
    );
    expect(tenantRows).toEqual([]);
  });

  it('withPlatformAdmin refuses a user who is not a superadmin', async () => {
    const attempt = tenancy.withPlatformAdmin(plainUser, (tx) => tx.select().from(auditLog));
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: 'forbidden', status: 403 });
  });

  it('the maintenance role sees across tenants', async () => {
    const rows = await tenancy.withMaintenance((tx) => tx.select().from(organizationSettings));
    expect(rows.map((r) => r.orgId).sort()).toEqual([orgA, orgB].sort());
  });

  it('events.emit writes the outbox row in the caller’s transaction, stamped with the org', async () => {
    await expect(
      tenancy.withTenant(orgA, async (tx) => {
        await events.emit(tx, settingsChanged, { days: 30 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const id = await tenancy.withTenant(orgA, (tx) =>
      events.emit(tx, settingsChanged, { days: 30 }),
    );
    const rows = await tenancy.withMaintenance((tx) => tx.select().from(outbox));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id, orgId: orgA, name: 'settings.changed', status: 'pending' });
    expect(rows[0]?.payload).toEqual({ days: 30 });
  });

  it('requests may append to the outbox but never read or change other events', async () => {
    await tenancy.withTenant(orgB, (tx) => events.emit(tx, settingsChanged, { days: 7 }));
    for (const attempt of [
      (tx: Parameters<Parameters<Tenancy['withTenant']>[1]>[0]) => tx.select().from(outbox),
      (tx: Parameters<Parameters<Tenancy['withTenant']>[1]>[0]) =>
        tx.update(outbox).set({ status: 'dispatched' }),
      (tx: Parameters<Parameters<Tenancy['withTenant']>[1]>[0]) => tx.delete(outbox),
    ]) {
      expect(await refusal(tenancy.withTenant(orgA, attempt))).toMatch(
        /^42501: permission denied for table outbox/,
      );
    }
  });

  it('a transaction opened inside another one throws instead of deadlocking', async () => {
    await expect(
      tenancy.withTenant(orgA, () => tenancy.withPlatform((tx) => tx.select().from(users))),
    ).rejects.toBeInstanceOf(RootHandleInTransactionError);
    await expect(
      tenancy.withTenant(
        orgA,
        async () => (handle.database.db as unknown as { $client: unknown }).$client,
      ),
    ).rejects.toBeInstanceOf(RootHandleInTransactionError);
  });

  it('using the root handle inside a transaction throws instead of deadlocking', async () => {
    const { database } = handle;
    await expect(
      tenancy.withTenant(orgA, async () => database.db.select().from(organizations)),
    ).rejects.toBeInstanceOf(RootHandleInTransactionError);
    // Concurrent work outside that call chain is unaffected.
    const [inside, outside] = await Promise.all([
      tenancy.withTenant(orgA, (tx) => tx.select().from(organizationSettings)),
      database.db.select().from(organizations),
    ]);
    expect(inside).toHaveLength(1);
    expect(outside.length).toBeGreaterThanOrEqual(2);
  });

  it('every table is either a platform table or under forced row-level security', async () => {
    const platformTables: readonly string[] = platformTableNames;
    const tables = await queryRows<{ name: string; rls: boolean; force: boolean }>(
      handle.database.db,
      sql`select c.relname as name, c.relrowsecurity as rls, c.relforcerowsecurity as force
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r' order by 1`,
    );
    const tenantTables = tables.filter((t) => !platformTables.includes(t.name));
    expect(tenantTables.map((t) => t.name)).toEqual([...tenantTableNames]);
    for (const table of tenantTables)
      expect(table, table.name).toMatchObject({ rls: true, force: true });
  });
});
