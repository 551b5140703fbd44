import { sql } from 'drizzle-orm';
import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyring, generateKeyEntry } from '#server/platform/crypto/keyring';
import {
  createKeyRotation,
  defineEncryptedColumns,
  keyringColumn,
  unreferencedKeyIds,
} from '#server/platform/crypto/rotation';
import { newId } from '#server/platform/db/columns';
import { createTenancy, type Tenancy } from '#server/platform/db/tenancy';
import { openTestDatabase, testBackends, type TTestDatabase } from '#test/databases';

/** A tenant table of this test's own, with a secret column: what a module would declare. */
const probes = pgTable('rotation_probes', {
  id: uuid('id').primaryKey(),
  orgId: uuid('org_id').notNull(),
  secret: text('secret'),
});
const name = 'rotation_probes.secret';

describe.each(testBackends())('rotation of keyring columns on %s', (backend) => {
  let handle: TTestDatabase;
  let tenancy: Tenancy;
  const one = generateKeyEntry();
  const two = generateKeyEntry([one]);
  const before = createKeyring([one]);
  const during = createKeyring([two, one]);
  const column = (keyring = during) =>
    keyringColumn(keyring, {
      name,
      kind: 'tenant',
      table: probes,
      id: probes.id,
      value: probes.secret,
    });
  const secrets = Array.from({ length: 7 }, (_, i) => `secret number ${i}`);

  beforeAll(async () => {
    handle = await openTestDatabase(backend);
    tenancy = createTenancy(handle.database);
    const { db } = handle.database;
    // Under forced RLS like every tenant table: only the maintenance role reaches every org's rows.
    await db.execute(
      sql`create table rotation_probes (id uuid primary key, org_id uuid not null, secret text)`,
    );
    await db.execute(sql`alter table rotation_probes enable row level security`);
    await db.execute(sql`alter table rotation_probes force row level security`);
    await db.execute(
      sql`create policy tenant_isolation on rotation_probes using (org_id = nullif(current_setting('app.org_id', true), '')::uuid)`,
    );
    await db.execute(
      sql`grant select, insert, update, delete on rotation_probes to corebase_app, corebase_maintenance`,
    );
    await db.insert(probes).values([
      ...secrets.map((secret) => ({
        id: newId(),
        orgId: newId(),
        secret: before.encrypt(secret, name),
      })),
      { id: newId(), orgId: newId(), secret: null },
    ]);
  });
  afterAll(() => handle?.close());

  const stored = async () =>
    (await handle.database.db.select().from(probes)).flatMap((row) =>
      row.secret ? [row.secret] : [],
    );

  it('re-encrypts every value in batches, across organizations, and counts them by key', async () => {
    const rotation = createKeyRotation({
      tenancy,
      columns: defineEncryptedColumns([column()]),
      batchSize: 3,
    });
    expect((await rotation.census()).total).toEqual({ '1': 7 });
    const report = await rotation.reencryptAll();
    expect(report).toEqual({
      columns: [{ name, scanned: 7, reencrypted: 7, failed: 0 }],
      failures: [],
    });
    const census = await rotation.census();
    expect(census).toEqual({ columns: [{ name, references: { '2': 7 } }], total: { '2': 7 } });
    expect(unreferencedKeyIds(during.keyIds, during.currentKeyId, census)).toEqual([1]);
    // The old key is no longer needed.
    const after = createKeyring([two]);
    expect((await stored()).map((value) => after.decrypt(value, name)).sort()).toEqual(secrets);

    // Again: nothing left to do.
    expect((await rotation.reencryptAll()).columns[0]).toMatchObject({
      scanned: 7,
      reencrypted: 0,
    });
  });

  it('reports a value it cannot decrypt, keeps going, and keeps its key referenced', async () => {
    const three = generateKeyEntry([two]);
    const next = createKeyring([three, two]);
    const stray = newId();
    // Encrypted for another column: moved here, it must not decrypt.
    await handle.database.db
      .insert(probes)
      .values({ id: stray, orgId: newId(), secret: during.encrypt('elsewhere', 'other.secret') });
    const rotation = createKeyRotation({ tenancy, columns: [column(next)], batchSize: 2 });
    const report = await rotation.reencryptAll();
    expect(report.columns[0]).toMatchObject({ scanned: 8, reencrypted: 7, failed: 1 });
    expect(report.failures).toEqual([
      {
        column: name,
        id: stray,
        message: expect.stringMatching(/failed authentication/) as string,
      },
    ]);
    const census = await rotation.census();
    expect(census.total).toEqual({ '3': 7, '2': 1 });
    expect(unreferencedKeyIds(next.keyIds, next.currentKeyId, census)).toEqual([]);
  });

  it('refuses a column declared twice', () => {
    expect(() => defineEncryptedColumns([column(), column()])).toThrow(
      /declared twice: rotation_probes.secret/,
    );
  });
});
