import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { encryptionKeysFile } from '#server/config';
import { auditLog } from '#server/modules/audit/audit.schema';
import { readKeyFile } from '#server/platform/crypto/key-file';
import {
  deriveKeyEntry,
  formatKeyEntries,
  generateKeyEntry,
} from '#server/platform/crypto/keyring';
import { createDatabase } from '#server/platform/db/database';
import { createTenancy } from '#server/platform/db/tenancy';
import { createEmptyOrTemplatedDatabase, dropTestDatabase } from '#test/databases';
import { spawnEntry } from '#test/process';
import { testServerUrls, withDatabaseName } from '#test/services';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'corebase-rotate-'));
  dirs.push(dir);
  return dir;
}

async function rotateKeysCli(env: Record<string, string>, args: string[] = []) {
  const run = spawnEntry('cli', { LOG_LEVEL: 'warn', ...env }, ['rotate-keys', ...args]);
  const code = await run.exited;
  return { code, output: run.output() };
}

describe('npm run rotate-keys', () => {
  it('with the generated key file: adds a key, re-encrypts, retires the old one, audited', async () => {
    const dir = dataDir();
    const first = await rotateKeysCli({ CB_DATA_DIR: dir });
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('Added key 2 as current.');
    expect(first.output).toMatch(
      /Re-encrypted under key 2: two_factors\.secret: 0, jwks\.private_key: 0/,
    );
    expect(first.output).toContain('Retired key(s) 1: removed from the key file.');
    expect(first.output).toContain('Done: every secret is under the current key.');
    const file = encryptionKeysFile(dir);
    const keys = readKeyFile(file);
    expect(keys.map((k) => k.id)).toEqual([2]);
    expect(first.output).not.toContain(keys[0]!.key);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    // --generate changes nothing here: the command manages the file itself.
    const generate = await rotateKeysCli({ CB_DATA_DIR: dir }, ['--generate']);
    expect(generate.code).toBe(0);
    expect(generate.output).toContain('run `npm run rotate-keys` (server stopped)');
    expect(readKeyFile(file)).toEqual(keys);

    const second = await rotateKeysCli({ CB_DATA_DIR: dir });
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('Retired key(s) 2');
    expect(readKeyFile(file).map((k) => k.id)).toEqual([3]);

    const database = await createDatabase({ pgliteDir: path.join(dir, 'pg') });
    try {
      const entries = await createTenancy(database).withMaintenance((tx) =>
        tx.select().from(auditLog).where(eq(auditLog.action, 'keys.rotated')),
      );
      expect(entries.map((e) => e.targetId).sort()).toEqual(['2', '3']);
      expect(entries.every((e) => e.orgId === null && e.actorType === 'system')).toBe(true);
    } finally {
      await database.close();
    }
  }, 120_000);

  it('--generate prints the next entry for ENCRYPTION_KEYS', async () => {
    const current = generateKeyEntry([{ id: 4, key: generateKeyEntry().key }]);
    const run = await rotateKeysCli(
      { CB_DATA_DIR: dataDir(), ENCRYPTION_KEYS: formatKeyEntries([current]) },
      ['--generate'],
    );
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/New key \(id 6\):\n\n {2}6:[A-Za-z0-9_-]{43}\n/);
    expect(run.output).toContain('ENCRYPTION_KEYS=6:');
    expect(run.output).toContain(',<current value>');
    expect(run.output).not.toContain(current.key);
  });

  it('--generate with DATABASE_URL and no ENCRYPTION_KEYS includes the key derived from AUTH_SECRET', async () => {
    const authSecret = 'a-test-only-auth-secret-0123456789abcdef';
    const run = await rotateKeysCli(
      {
        CB_DATA_DIR: dataDir(),
        DATABASE_URL: 'postgres://postgres@127.0.0.1:9/never-opened',
        AUTH_SECRET: authSecret,
      },
      ['--generate'],
    );
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`,${formatKeyEntries([deriveKeyEntry(authSecret)])}`);
    expect(run.output).toMatch(/ENCRYPTION_KEYS=1:[A-Za-z0-9_-]{43},0:/);
  });

  it('refuses an unknown flag', async () => {
    const run = await rotateKeysCli({ CB_DATA_DIR: dataDir() }, ['--force']);
    expect(run.code).toBe(1);
    expect(run.output).toContain('Usage: npm run rotate-keys [-- --generate]');
  });

  it.skipIf(!inject('postgresTemplate'))(
    'with ENCRYPTION_KEYS on PostgreSQL: re-encrypts and names the keys that may go',
    async () => {
      const name = await createEmptyOrTemplatedDatabase(inject('postgresTemplate'));
      try {
        const one = generateKeyEntry();
        const two = generateKeyEntry([one]);
        const run = await rotateKeysCli({
          CB_DATA_DIR: dataDir(),
          DATABASE_URL: withDatabaseName(testServerUrls.postgres, name),
          AUTH_SECRET: 'a-test-only-auth-secret-0123456789abcdef',
          ENCRYPTION_KEYS: formatKeyEntries([two, one]),
        });
        expect(run.code, run.output).toBe(0);
        expect(run.output).toContain('Re-encrypted under key 2');
        expect(run.output).toContain(
          'Unused now: key(s) 1; remove them from ENCRYPTION_KEYS on every process.',
        );
        expect(run.output).not.toContain(one.key);
      } finally {
        await dropTestDatabase(name);
      }
    },
    120_000,
  );
});
