import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, encryptionKeysFile, loadConfig } from '#server/config';
import {
  deriveKeyEntry,
  formatKeyEntries,
  generateKeyEntry,
} from '#server/platform/crypto/keyring';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'corebase-keys-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const authSecret = 'test-only-secret-0123456789abcdefghijklmnop';
const postgres = { DATABASE_URL: 'postgres://app@db.internal/corebase', AUTH_SECRET: authSecret };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('ENCRYPTION_KEYS', () => {
  it('on PGlite, unset: generates a key file once (mode 0600), then reuses it', () => {
    const dir = tempDir();
    const first = loadConfig({ CB_DATA_DIR: dir });
    const file = encryptionKeysFile(dir);
    expect(first.encryptionKeySource).toEqual({ kind: 'file', file });
    expect(first.ENCRYPTION_KEYS.map((k) => k.id)).toEqual([1]);
    expect(readFileSync(file, 'utf8')).toContain(`1:${first.ENCRYPTION_KEYS[0]!.key}`);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ CB_DATA_DIR: dir }).ENCRYPTION_KEYS).toEqual(first.ENCRYPTION_KEYS);
  });

  it('set: is used as given, current first, and no file is written', () => {
    const dir = tempDir();
    const one = generateKeyEntry();
    const two = generateKeyEntry([one]);
    const config = loadConfig({ CB_DATA_DIR: dir, ENCRYPTION_KEYS: formatKeyEntries([two, one]) });
    expect(config.ENCRYPTION_KEYS).toEqual([two, one]);
    expect(config.encryptionKeySource).toEqual({ kind: 'env' });
    expect(existsSync(encryptionKeysFile(dir))).toBe(false);
    expect(
      loadConfig({ ...postgres, CB_DATA_DIR: dir, ENCRYPTION_KEYS: formatKeyEntries([one]) })
        .ENCRYPTION_KEYS,
    ).toEqual([one]);
  });

  it('with DATABASE_URL, unset: key 0 derived from AUTH_SECRET, the same in every process', () => {
    const dir = tempDir();
    const config = loadConfig({ ...postgres, CB_DATA_DIR: dir });
    expect(config.encryptionKeySource).toEqual({ kind: 'auth-secret' });
    expect(config.ENCRYPTION_KEYS).toEqual([deriveKeyEntry(authSecret)]);
    expect(config.ENCRYPTION_KEYS[0]!.key).not.toContain(authSecret);
    expect(loadConfig({ ...postgres, CB_DATA_DIR: tempDir() }).ENCRYPTION_KEYS).toEqual(
      config.ENCRYPTION_KEYS,
    );
    expect(existsSync(path.join(dir, 'secrets'))).toBe(false);
  });

  it('refuses a malformed value with a message to act on, never echoing it', () => {
    const key = generateKeyEntry().key;
    const message = problemsOf({ CB_DATA_DIR: tempDir(), ENCRYPTION_KEYS: `1:${key},1:${key}` });
    expect(message).toMatch(/- ENCRYPTION_KEYS: entry 2: key id 1 appears twice/);
    expect(message).not.toContain(key);
    expect(problemsOf({ CB_DATA_DIR: tempDir(), ENCRYPTION_KEYS: 'secret' })).toMatch(
      /ENCRYPTION_KEYS: entry 1: expected "<id>:<key>"/,
    );
  });

  it('refuses a damaged key file, naming it', () => {
    const dir = tempDir();
    loadConfig({ CB_DATA_DIR: dir });
    writeFileSync(encryptionKeysFile(dir), 'garbage\n');
    expect(problemsOf({ CB_DATA_DIR: dir })).toMatch(
      /ENCRYPTION_KEYS: the key file .*encryption-keys is damaged: entry 1/,
    );
  });
});
