import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Logger } from 'pino';
import * as schema from '#server/platform/db/schema';

export type TSchema = typeof schema;
/** The root handle. Use it only outside any transaction; pass `Tx` down instead. */
export type Db = PgDatabase<PgQueryResultHKT, TSchema>;
/** A transaction handle: what services and repositories receive. */
export type Tx = PgTransaction<PgQueryResultHKT, TSchema, ExtractTablesWithRelations<TSchema>>;
/** Either handle, for code that may run inside or outside a transaction (migrations, seeds). */
export type Executor = Db | Tx;

export type Database = {
  readonly kind: 'pglite' | 'postgres';
  /** The root handle, guarded: see `createDatabase`'s `guardRootInTransaction`. */
  readonly db: Db;
  /** Runs `fn` in a new transaction; the root handle is off-limits inside its call chain. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** True when called from inside a transaction started by `transaction`. */
  inTransaction(): boolean;
  ping(): Promise<void>;
  /**
   * Calls `onNotify` with each NOTIFY payload on `channel`, and with '' after every (re)connect
   * (notifications sent meanwhile are lost, so listeners look again). PostgreSQL: a dedicated
   * connection outside the pool, re-opened when it drops. PGlite: its in-process LISTEN.
   * Answers the unsubscribe.
   */
  listen: (channel: string, onNotify: (payload: string) => void) => Promise<() => Promise<void>>;
  close(): Promise<void>;
};

export type TDatabaseOptions = {
  /** PostgreSQL URL; when absent, PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory (persisted); ignored with `url` or `pglite`. */
  pgliteDir?: string;
  /** An already-open PGlite instance (tests hand in a clone of a migrated template). */
  pglite?: PGlite;
  poolMax?: number;
  connectAttempts?: number;
  /**
   * Throw when the root handle is used inside a transaction's own call chain. On PGlite (one
   * connection) such a query waits forever behind the open transaction; on PostgreSQL it takes a
   * second pooled connection per request and drains the pool under load. On outside production.
   */
  guardRootInTransaction?: boolean;
  logger?: Logger;
};

export class RootHandleInTransactionError extends Error {
  constructor(member: string) {
    super(
      `The root database handle (db.${member}) was used inside a transaction. Pass the transaction handle (tx) down instead: on PGlite this query would wait forever, on PostgreSQL it would take a second connection.`,
    );
    this.name = 'RootHandleInTransactionError';
  }
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

const guardedMembers = new Set<PropertyKey>([
  'select',
  'selectDistinct',
  'selectDistinctOn',
  'insert',
  'update',
  'delete',
  'execute',
  'transaction',
  'query',
  'with',
  '$with',
  '$count',
  'refreshMaterializedView',
  '$client',
]);

export async function createDatabase(options: TDatabaseOptions): Promise<Database> {
  const scope = new AsyncLocalStorage<true>();
  let raw: Db;
  let ping: () => Promise<void>;
  let listen: Database['listen'];
  let close: () => Promise<void>;
  let kind: Database['kind'];

  if (options.url) {
    kind = 'postgres';
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'corebase',
    });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle database client error'));
    await connectWithRetry(() => pool.query('select 1').then(() => undefined), options);
    raw = drizzleNodePg(pool, { schema, casing: 'snake_case' });
    ping = async () => {
      await pool.query('select 1');
    };
    close = () => pool.end();
    listen = (channel, onNotify) => listenOnPostgres(options, channel, onNotify);
  } else {
    kind = 'pglite';
    let client = options.pglite;
    if (!client) {
      const dir = options.pgliteDir;
      if (!dir) throw new Error('createDatabase: pgliteDir or pglite is required without url');
      mkdirSync(path.dirname(dir), { recursive: true });
      client = new PGlite(dir);
    }
    const pglite = client;
    await pglite.waitReady;
    raw = drizzlePglite(pglite, { schema, casing: 'snake_case' });
    ping = async () => {
      await pglite.query('select 1');
    };
    close = async () => {
      if (!pglite.closed) await pglite.close();
    };
    listen = async (channel, onNotify) => {
      const unsubscribe = await pglite.listen(channel, onNotify);
      return async () => {
        if (!pglite.closed) await unsubscribe();
      };
    };
  }

  const guard = options.guardRootInTransaction ?? true;
  const db = guard
    ? new Proxy(raw, {
        get(target, member, receiver) {
          if (guardedMembers.has(member) && scope.getStore()) {
            throw new RootHandleInTransactionError(String(member));
          }
          return Reflect.get(target, member, receiver) as unknown;
        },
      })
    : raw;

  return {
    kind,
    db,
    transaction: (fn) => {
      // A transaction opened inside another's call chain is the same trap as the root handle.
      if (guard && scope.getStore()) {
        return Promise.reject(new RootHandleInTransactionError('transaction (nested)'));
      }
      return scope.run(true, () => raw.transaction((tx) => fn(tx)));
    },
    inTransaction: () => scope.getStore() === true,
    ping,
    listen,
    close,
  };
}

async function listenOnPostgres(
  options: TDatabaseOptions,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let closed = false;
  const open = async () => {
    const next = new pg.Client({
      connectionString: options.url,
      application_name: 'corebase-listen',
      connectionTimeoutMillis: 10_000,
      // A half-open connection would stop notifications silently (polling would still deliver).
      keepAlive: true,
    });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    next.on('error', (error) => {
      options.logger?.warn({ err: error, channel }, 'LISTEN connection lost; reconnecting');
      if (client === next) void reopen();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    onNotify('');
  };
  const reopen = async () => {
    const previous = client;
    client = undefined;
    await previous?.end().catch(() => undefined);
    while (!closed) {
      try {
        await open();
        return;
      } catch (error) {
        options.logger?.warn({ err: error, channel }, 'LISTEN reconnect failed; retrying');
        await sleep(1_000);
      }
    }
  };
  await open();
  return async () => {
    closed = true;
    const current = client;
    client = undefined;
    await current?.end().catch(() => undefined);
  };
}

async function connectWithRetry(
  connect: () => Promise<void>,
  options: Pick<TDatabaseOptions, 'connectAttempts' | 'logger' | 'url'>,
): Promise<void> {
  const attempts = options.connectAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      await connect();
      return;
    } catch (error) {
      if (attempt >= attempts) {
        throw new DatabaseUnavailableError(
          `Could not reach PostgreSQL at ${redactUrl(options.url ?? '')} after ${attempts} attempts: ${(error as Error).message}. Check DATABASE_URL and that the server is running.`,
          { cause: error },
        );
      }
      const delay = Math.min(250 * 2 ** (attempt - 1), 5_000);
      options.logger?.warn(
        { attempt, attempts, retryInMs: delay, err: (error as Error).message },
        'database not reachable yet; retrying',
      );
      await sleep(delay);
    }
  }
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Rows of a raw query, whichever driver ran it (both return `{ rows }`). */
export async function queryRows<T extends Record<string, unknown>>(
  executor: Executor,
  query: SQL,
): Promise<T[]> {
  const result: unknown = await executor.execute(query);
  return (result as { rows: T[] }).rows;
}

export type TDatabaseError = { code: string | undefined; message: string; constraint?: string };

/**
 * The driver's error under drizzle's "Failed query" wrapper (node-postgres and PGlite both carry
 * the SQLSTATE in `code`), or undefined when the error did not come from the database.
 */
export function databaseErrorOf(error: unknown): TDatabaseError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const candidate = current as Error & {
      code?: unknown;
      constraint?: unknown;
      severity?: unknown;
    };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        message: candidate.message,
        ...(typeof candidate.constraint === 'string' ? { constraint: candidate.constraint } : {}),
      };
    }
    current = candidate.cause;
  }
  return undefined;
}
