import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, queryRows, type Database } from '#server/platform/db/database';
import {
  defaultMigrationsFolder,
  migrate,
  migrationStatus,
  readMigrations,
} from '#server/platform/db/migrate';
import { platformTableNames, tenantTableNames } from '#server/platform/db/schema';
import { createEmptyOrTemplatedDatabase, dropTestDatabase, testBackends } from '#test/databases';
import { testServerUrls, withDatabaseName } from '#test/services';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An empty database (no migrations applied) on the given backend, and a way to connect again. */
async function emptyDatabase(backend: 'pglite' | 'postgres'): Promise<() => Promise<Database>> {
  if (backend === 'pglite') {
    const pglite = new PGlite();
    const database = await createDatabase({ pglite });
    cleanups.push(() => database.close());
    return async () => database;
  }
  const name = await createEmptyOrTemplatedDatabase(null);
  const url = withDatabaseName(testServerUrls.postgres, name);
  const opened: Database[] = [];
  cleanups.push(async () => {
    for (const database of opened) await database.close();
    await dropTestDatabase(name);
  });
  return async () => {
    const database = await createDatabase({ url, poolMax: 2, connectAttempts: 1 });
    opened.push(database);
    return database;
  };
}

/** The tags of the committed migrations, in order, as the journal lists them. */
function journalTags(): string[] {
  const journal = JSON.parse(
    readFileSync(path.join(defaultMigrationsFolder(), 'meta', '_journal.json'), 'utf8'),
  ) as { entries: { tag: string }[] };
  return journal.entries.map((e) => e.tag);
}

async function tableNames(database: Database): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    database.db,
    sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`,
  );
  return rows.map((r) => r.name);
}

/** A copy of the real migrations plus one more whose second statement fails. */
function migrationsWithBrokenLast(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'corebase-migrations-'));
  cpSync(defaultMigrationsFolder(), folder, { recursive: true });
  const journalFile = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as {
    entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
  };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: '9999_broken' });
  writeFileSync(journalFile, JSON.stringify(journal));
  writeFileSync(
    path.join(folder, '9999_broken.sql'),
    'CREATE TABLE "half_done" ("id" integer);\n--> statement-breakpoint\nALTER TABLE "no_such_table" ADD COLUMN "x" integer;',
  );
  cleanups.push(async () => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

describe.each(testBackends())('migrations on %s', (backend) => {
  it('applies every migration once; a second run finds nothing to do', async () => {
    const connect = await emptyDatabase(backend);
    const database = await connect();
    const first = await migrate(database);
    expect(first.applied).toEqual(journalTags());
    const second = await migrate(database);
    expect(second.applied).toEqual([]);
    const count = journalTags().length;
    expect(await migrationStatus(database, readMigrations())).toEqual({
      applied: count,
      expected: count,
      pending: 0,
    });
    expect(await tableNames(database)).toEqual([...platformTableNames, ...tenantTableNames].sort());
  });

  it('a failing migration leaves nothing half-applied', async () => {
    const connect = await emptyDatabase(backend);
    const database = await connect();
    await expect(migrate(database, migrationsWithBrokenLast())).rejects.toThrow();
    // Every pending migration ran in one transaction: the good ones rolled back with the bad one.
    expect(await tableNames(database)).toEqual([]);
    expect(await migrationStatus(database, readMigrations())).toMatchObject({ applied: 0 });
    // Fixed (the broken file removed), the next start applies everything.
    expect((await migrate(database)).applied).toEqual(journalTags());
  });

  if (backend === 'postgres') {
    it('two processes migrating at once do not collide', async () => {
      const connect = await emptyDatabase(backend);
      const [a, b] = [await connect(), await connect()];
      const results = await Promise.all([migrate(a), migrate(b)]);
      const appliedCounts = results.map((r) => r.applied.length).sort();
      expect(appliedCounts).toEqual([0, journalTags().length]);
      expect(await tableNames(a)).toHaveLength(platformTableNames.length + tenantTableNames.length);
    });
  }
});
