import type { Redis } from 'ioredis';

const incrementWithTtl = `
local value = redis.call('INCR', KEYS[1])
if value == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return value`;

/**
 * better-auth's secondary storage on Redis: sessions are read from Redis first and still written
 * to PostgreSQL (`storeSessionInDatabase`), so losing Redis loses no session.
 */
export function redisSecondaryStorage(redis: Redis, prefix = 'corebase:auth:') {
  const key = (name: string) => `${prefix}${name}`;
  return {
    get: (name: string) => redis.get(key(name)),
    getAndDelete: (name: string) => redis.getdel(key(name)),
    increment: async (name: string, ttl: number) =>
      Number(await redis.eval(incrementWithTtl, 1, key(name), String(Math.max(1, Math.ceil(ttl))))),
    set: async (name: string, value: string, ttl?: number) => {
      if (ttl && ttl > 0) await redis.set(key(name), value, 'EX', Math.ceil(ttl));
      else await redis.set(key(name), value);
    },
    delete: async (name: string) => {
      await redis.del(key(name));
    },
  };
}
