import type { TReadiness } from '@corebase/contracts';
import type { Redis } from 'ioredis';
import type { MigrationMeta } from 'drizzle-orm/migrator';
import type { Database } from '#server/platform/db/database';
import { migrationStatus } from '#server/platform/db/migrate';

const withTimeout = <T>(work: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref(),
    ),
  ]);

export type TReadinessDeps = {
  database: Database;
  migrations: MigrationMeta[];
  redis?: Redis | undefined;
  timeoutMs?: number;
};

/** Database reachable, every bundled migration applied, Redis reachable when configured. */
export function createReadiness(deps: TReadinessDeps): () => Promise<TReadiness> {
  const timeout = deps.timeoutMs ?? 2_000;
  return async () => {
    const checks: TReadiness['checks'] = {
      database: { status: 'ok' },
      migrations: { status: 'ok' },
      redis: { status: 'skipped', message: 'REDIS_URL is not set' },
    };
    try {
      await withTimeout(deps.database.ping(), timeout, 'the database');
      const status = await withTimeout(
        migrationStatus(deps.database, deps.migrations),
        timeout,
        'the database',
      );
      if (status.pending > 0) {
        checks.migrations = {
          status: 'fail',
          message: `${status.pending} of ${status.expected} migrations are not applied; run npm run db:migrate`,
        };
      }
    } catch (error) {
      checks.database = { status: 'fail', message: (error as Error).message };
      checks.migrations = { status: 'skipped', message: 'database unreachable' };
    }
    if (deps.redis) {
      try {
        await withTimeout(deps.redis.ping(), timeout, 'Redis');
        checks.redis = { status: 'ok' };
      } catch (error) {
        checks.redis = { status: 'fail', message: (error as Error).message };
      }
    }
    const failed = Object.values(checks).some((check) => check.status === 'fail');
    return { status: failed ? 'fail' : 'ok', checks };
  };
}
