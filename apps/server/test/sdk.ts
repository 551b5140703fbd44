import { createCorebaseClient, type TCorebaseClient } from '@corebase/sdk';
import type { TTestApp } from '#test/app';

/** Who the client is: a session cookie, an API key, a bearer token, or anyone (nothing). */
export type TSdkCredentials =
  | { cookie: string }
  | { apiKey: string }
  | { bearer: string }
  /** A persona's or signed-in user's headers (`TPersona.headers`, `TSignedIn.headers`). */
  | { headers: Record<string, string> }
  | Record<string, never>;

/** Statuses whose answers have no body; `new Response` refuses one for them. */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch that hands the request to `app.inject`: the whole pipeline (hooks, parsing, schemas,
 * serialization, the error handler) without a listening socket, as the other route tests run.
 */
function injectFetch(t: TTestApp): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const reply = await t.app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      ...(payload ? { payload } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
    }
    return new Response(
      nullBodyStatuses.has(reply.statusCode) ? null : new Uint8Array(reply.rawPayload),
      { status: reply.statusCode, statusText: reply.statusMessage, headers },
    );
  };
}

/**
 * The typed API client (`@corebase/sdk`) on a test app, as `credentials` says. New route tests
 * call the API through it: paths, parameters, bodies and answers are checked against the
 * OpenAPI document, and a failed call's `error` is the problem the server answered.
 */
export function sdkFor(t: TTestApp, credentials: TSdkCredentials = {}): TCorebaseClient {
  const fetch = injectFetch(t);
  const baseUrl = t.config.PUBLIC_URL;
  if ('apiKey' in credentials) return createCorebaseClient({ baseUrl, fetch, ...credentials });
  if ('bearer' in credentials) {
    return createCorebaseClient({ baseUrl, fetch, bearerToken: credentials.bearer });
  }
  if ('cookie' in credentials) {
    // A cookie-authenticated unsafe request needs our Origin (the CSRF rule), as a browser sends.
    const headers = { cookie: credentials.cookie, origin: new URL(baseUrl).origin };
    return createCorebaseClient({ baseUrl, fetch, headers });
  }
  if ('headers' in credentials) {
    return createCorebaseClient({ baseUrl, fetch, headers: credentials.headers });
  }
  return createCorebaseClient({ baseUrl, fetch });
}
