import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
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

/** The holder touches the lock this often; a lock untouched for STALE_AFTER_MS is abandoned. */
const HEARTBEAT_MS = 5_000;
const STALE_AFTER_MS = 30_000;

/**
 * An exclusive lock on the data directory. PGlite has no lock of its own, and a second process
 * opening the same files corrupts them for good, so `npm start` and every `db:*` script take
 * this first.
 *
 * A lock is abandoned when its owner is gone: a dead pid on this host, our own pid (a container
 * restarted as PID 1 after a SIGKILL), or no heartbeat for 30 s (a container recreated under
 * another hostname). Taking one over renames it away first, so two processes racing for the same
 * abandoned lock cannot both win.
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
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(owner));
      closeSync(fd);
      return holdLock(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readOwner(file);
      if (current && !isAbandoned(file, current)) throw new DataDirLockedError(file, current);
      const aside = `${file}.abandoned-${process.pid}-${Date.now()}`;
      try {
        renameSync(file, aside); // only one racer's rename finds the file
        rmSync(aside, { force: true });
      } catch (renameError) {
        if ((renameError as NodeJS.ErrnoException).code !== 'ENOENT') throw renameError;
      }
    }
  }
  throw new DataDirLockedError(file, readOwner(file));
}

function holdLock(file: string): DataDirLock {
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // The file vanished (deleted by hand): nothing to refresh.
    }
  }, HEARTBEAT_MS).unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    if (readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  process.once('exit', release);
  return { file, release };
}

function readOwner(file: string): TLockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TLockOwner;
  } catch {
    return undefined;
  }
}

function isAbandoned(file: string, owner: TLockOwner): boolean {
  if (owner.host === hostname()) {
    if (owner.pid === process.pid) return true;
    try {
      process.kill(owner.pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') return true;
    }
  }
  try {
    return Date.now() - statSync(file).mtimeMs > STALE_AFTER_MS;
  } catch {
    return true;
  }
}
