import type { TTestApp } from '#test/app';

const origin = 'http://localhost:3000';

export type TResponse = Awaited<ReturnType<TTestApp['app']['inject']>>;

export type TBrowser = {
  call(method: 'GET' | 'POST', url: string, payload?: object): Promise<TResponse>;
  /** Whether a cookie whose name ends so is held. */
  has(suffix: string): boolean;
  /** Drops the cookies whose names end so (a cleared cookie, another device). */
  forget(suffix: string): void;
  /** Points the same browser (its cookies) at another app: a restarted server, say. */
  use(t: TTestApp): void;
};

/** A browser: keeps its cookies (session, two-factor challenge, trusted device) between calls. */
export function browser(t: TTestApp): TBrowser {
  const jar = new Map<string, string>();
  let target = t;
  return {
    async call(method, url, payload) {
      const response = await target.app.inject({
        method,
        url,
        headers: {
          origin,
          ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        },
        ...(payload ? { payload } : {}),
      });
      for (const cookie of response.cookies) {
        if (cookie.value === '' || (cookie.maxAge !== undefined && cookie.maxAge <= 0)) {
          jar.delete(cookie.name);
        } else jar.set(cookie.name, cookie.value);
      }
      return response;
    },
    has: (suffix) => [...jar.keys()].some((name) => name.endsWith(suffix)),
    forget(suffix) {
      for (const name of [...jar.keys()]) if (name.endsWith(suffix)) jar.delete(name);
    },
    use(next) {
      target = next;
    },
  };
}
