import pg from 'pg';

/** Test servers. CI=true turns an unreachable one into a failure instead of a skip. */
export const testServerUrls = {
  postgres: process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379',
};

export const isCi = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

/** Same server, another database. */
export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function adminQuery(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: testServerUrls.postgres });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

export function unavailableMessage(what: string, url: string, error: unknown): string {
  return `${what} at ${url} is not reachable (${(error as Error).message}).`;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  export interface ProvidedContext {
    /** File holding a dump of a migrated PGlite data directory. */
    pgliteTemplate: string;
    /** Name of the migrated template database on the test PostgreSQL, or null when absent. */
    postgresTemplate: string | null;
    /** The test Redis URL, or null when absent. */
    redisUrl: string | null;
  }
}
