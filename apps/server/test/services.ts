import { connect } from 'amqplib';
import pg from 'pg';

/** Test servers. CI=true turns an unreachable one into a failure instead of a skip. */
export const testServerUrls = {
  postgres: process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379',
  rabbitmq: process.env.RABBITMQ_URL_TEST ?? 'amqp://guest:guest@127.0.0.1:5672',
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

/**
 * Whether the test RabbitMQ answers. global-setup does not probe it: files that need it call
 * this, with the rule used for Redis — absent: skipped loudly; absent under CI=true: a failure.
 */
export async function probeRabbitmq(): Promise<boolean> {
  const url = testServerUrls.rabbitmq;
  try {
    const connection = await connect(url, { timeout: 2_000 });
    await connection.close();
    return true;
  } catch (error) {
    const message = unavailableMessage('RabbitMQ', url, error);
    if (isCi) throw new Error(`${message} CI=true: RabbitMQ tests must run.`, { cause: error });
    const warning = `${message} RabbitMQ tests are SKIPPED; set RABBITMQ_URL_TEST.`;
    const bar = '!'.repeat(Math.min(warning.length, 100));
    console.warn(`\n${bar}\n${warning}\n${bar}\n`);
    return false;
  }
}
