import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

type TLockOwner = { pid: number; host: string; purpose: string; since: string };

export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: TLockOwner | undefined,
  ) {
    const who = owner
      ? `process ${owner.pid} ("${owner.purpose}", since ${owner.since})`
      : 'another process';
    super(
      `${path.dirname(lockFile)} is in use by ${who}. The embedded database allows one process at a time: a second one would corrupt it. Stop that process first; if none is running, delete ${lockFile}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export type DataDirLock = { file: string; release(): void };

/**
 * An exclusive lock on the data directory. PGlite has no lock of its own, and a second process
 * opening the same files corrupts them for good, so `npm start` and every `db:*` script take
 * this first. A lock left by a process that died (SIGKILL, power loss) is taken over.
 */
export function acquireDataDirLock(dataDir: string, purpose: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'corebase.lock');
  const owner: TLockOwner = {
    pid: process.pid,
    host: hostname(),
    purpose,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(owner));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { file, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readOwner(file);
      if (current && isAlive(current)) throw new DataDirLockedError(file, current);
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new DataDirLockedError(file, readOwner(file));
}

function readOwner(file: string): TLockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TLockOwner;
  } catch {
    return undefined;
  }
}

function isAlive(owner: TLockOwner): boolean {
  // A lock from another host (a shared volume) cannot be checked: treat it as held.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
