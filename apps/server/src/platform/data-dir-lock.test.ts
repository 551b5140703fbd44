import { mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '#server/platform/data-dir-lock';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const dataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'corebase-lock-'));
  dirs.push(dir);
  return dir;
};
const writeLock = (dir: string, owner: object, ageMs = 0) => {
  const file = path.join(dir, 'corebase.lock');
  writeFileSync(file, JSON.stringify({ purpose: 'server', since: 'earlier', ...owner }));
  const then = new Date(Date.now() - ageMs);
  utimesSync(file, then, then);
};

describe('the data-directory lock', () => {
  it('refuses while a live process on this host holds it, naming that process', () => {
    const dir = dataDir();
    writeLock(dir, { pid: process.ppid, host: hostname() });
    expect(() => acquireDataDirLock(dir, 'test')).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir, 'test')).toThrow(/in use by process \d+ \("server"/);
  });

  it('takes over a lock whose owner is dead, or is this very pid (a restarted container)', () => {
    for (const pid of [2 ** 22 + 17, process.pid]) {
      const dir = dataDir();
      writeLock(dir, { pid, host: hostname() });
      const lock = acquireDataDirLock(dir, 'test');
      lock.release();
      expect(existsSync(lock.file)).toBe(false);
    }
  });

  it('treats another host’s lock as held while fresh, and abandoned once its heartbeat stops', () => {
    const dir = dataDir();
    writeLock(dir, { pid: 1, host: 'some-other-host' });
    expect(() => acquireDataDirLock(dir, 'test')).toThrow(DataDirLockedError);
    writeLock(dir, { pid: 1, host: 'some-other-host' }, 60_000);
    acquireDataDirLock(dir, 'test').release();
  });
});
