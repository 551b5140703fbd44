import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import pg from 'pg';

/** The Redis the benchmarks use (REDIS_URL), for the BullMQ driver. */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A PostgreSQL role that may CREATE DATABASE (BENCH_POSTGRES_URL). */
export const postgresUrl =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Deletes every key under `prefix` (`<prefix>:*`): each run leaves Redis as it found it. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** User + system CPU the Redis server has used since it started (`INFO cpu`). */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (key: string) => Number(new RegExp(`${key}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1000;
}

/**
 * A database of the benchmark's own (`<stem>_<random>`), created empty on `postgresUrl`'s server;
 * `drop` removes it, whoever is still connected.
 */
export async function createScratchDatabase(
  stem: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${stem}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
