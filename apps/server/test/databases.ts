import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { createDatabase, type Database } from '#server/platform/db/database';
import { adminQuery, testServerUrls, withDatabaseName } from '#test/services';

export type TBackendName = 'pglite' | 'postgres';

export type TTestDatabase = {
  database: Database;
  /** PostgreSQL URL of this file's own database (undefined on PGlite). */
  url: string | undefined;
  close(): Promise<void>;
};

/** The backends this run can use: PGlite always, PostgreSQL when its template exists. */
export function testBackends(): TBackendName[] {
  return inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite'];
}

/** A private, migrated database for one test file (or one test). */
export async function openTestDatabase(backend: TBackendName): Promise<TTestDatabase> {
  if (backend === 'pglite') {
    const dump = new Blob([readFileSync(inject('pgliteTemplate'))]);
    const pglite = new PGlite({ loadDataDir: dump });
    const database = await createDatabase({ pglite });
    return { database, url: undefined, close: () => database.close() };
  }
  const template = inject('postgresTemplate');
  if (!template) throw new Error('PostgreSQL is not available in this run');
  const name = await createEmptyOrTemplatedDatabase(template);
  const url = withDatabaseName(testServerUrls.postgres, name);
  const database = await createDatabase({ url, poolMax: 5, connectAttempts: 1 });
  return {
    database,
    url,
    close: async () => {
      await database.close();
      await dropTestDatabase(name);
    },
  };
}

/** A new database on the test server: a copy of `template`, or empty when template is null. */
export async function createEmptyOrTemplatedDatabase(template: string | null): Promise<string> {
  const name = `cb_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}${template ? ` template ${template}` : ''}`);
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists ${name} with (force)`);
}
