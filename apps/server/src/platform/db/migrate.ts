import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import { databaseErrorOf, queryRows, type Database } from '#server/platform/db/database';

/** Any constant works; it only has to be the same for every Corebase process. */
const MIGRATION_LOCK_KEY = 7_231_500_417;

/**
 * Where the committed SQL migrations are: next to the sources in development (src/platform/db →
 * ../../../drizzle) and next to the bundle in a build (dist → ../drizzle).
 */
export function defaultMigrationsFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../drizzle'), path.resolve(here, '../../../drizzle')];
  const found = candidates.find((candidate) =>
    existsSync(path.join(candidate, 'meta', '_journal.json')),
  );
  if (!found) throw new Error(`No migrations found (looked in ${candidates.join(', ')})`);
  return found;
}

export type TMigrationResult = { applied: string[]; total: number };

/**
 * Applies pending migrations in ONE transaction under a transaction-scoped advisory lock: two
 * processes starting together serialize on the lock, and the second finds nothing to do; a
 * failing statement rolls every pending migration back, leaving nothing half-applied.
 * The bookkeeping table is drizzle's own (`drizzle.__drizzle_migrations`), so drizzle-kit's
 * tooling reads the same history.
 */
export async function migrate(
  database: Database,
  migrationsFolder = defaultMigrationsFolder(),
): Promise<TMigrationResult> {
  const migrations = readMigrationFiles({ migrationsFolder });
  const tags = readTags(migrationsFolder, migrations);
  return database.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.execute(sql`create schema if not exists drizzle`);
    await tx.execute(sql`create table if not exists drizzle.__drizzle_migrations (
      id serial primary key, hash text not null, created_at bigint)`);
    const [last] = await queryRows<{ created_at: string | number }>(
      tx,
      sql`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`,
    );
    const lastApplied = last ? Number(last.created_at) : -1;
    const applied: string[] = [];
    for (const [index, migration] of migrations.entries()) {
      if (migration.folderMillis <= lastApplied) continue;
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      await tx.execute(
        sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`,
      );
      applied.push(tags[index] ?? String(migration.folderMillis));
    }
    return { applied, total: migrations.length };
  });
}

export type TMigrationStatus = { applied: number; expected: number; pending: number };

/** For readiness: how many of the bundled migrations the database has applied. */
export async function migrationStatus(
  database: Database,
  migrations: MigrationMeta[],
): Promise<TMigrationStatus> {
  const rows = await queryRows<{ last: string | number | null }>(
    database.db,
    sql`select max(created_at) as last from drizzle.__drizzle_migrations`,
  ).catch((error: unknown) => {
    // 42P01: no bookkeeping table yet, i.e. nothing applied. Anything else is a real failure.
    if (databaseErrorOf(error)?.code === '42P01') return [{ last: null }];
    throw error;
  });
  const last = rows[0]?.last == null ? -1 : Number(rows[0].last);
  const pending = migrations.filter((m) => m.folderMillis > last).length;
  return { applied: migrations.length - pending, expected: migrations.length, pending };
}

export function readMigrations(migrationsFolder = defaultMigrationsFolder()): MigrationMeta[] {
  return readMigrationFiles({ migrationsFolder });
}

function readTags(folder: string, migrations: MigrationMeta[]): string[] {
  // readMigrationFiles follows the journal's order; the journal also holds the readable tags.
  const journal = JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  return migrations.map((m, index) => journal.entries[index]?.tag ?? String(m.folderMillis));
}
