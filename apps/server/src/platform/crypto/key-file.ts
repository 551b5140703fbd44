import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { formatKeyFile, parseKeyEntries, type TKeyEntry } from '#server/platform/crypto/keyring';

export const readKeyFile = (file: string): TKeyEntry[] =>
  parseKeyEntries(readFileSync(file, 'utf8'));

/**
 * Replaces the key file in one step (a temporary file renamed over it, mode 0600), flushed to
 * disk before returning: values encrypted under a new key must never outlive the file naming it.
 */
export function writeKeyFile(file: string, entries: readonly TKeyEntry[]): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${formatKeyFile(entries)}\n`);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, file);
  // The rename itself is durable once the directory is flushed (not possible on Windows).
  if (process.platform !== 'win32') {
    const dir = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}
