import type { TProblem } from '@corebase/contracts';
import createClient, { type Client, type MaybeOptionalInit, type Middleware } from 'openapi-fetch';
import type { paths } from './schema.ts';

export type { components, operations, paths } from './schema.ts';
export type { TProblem } from '@corebase/contracts';

type THttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

/** How every Corebase error answers: RFC 9457 problem details (`problem.ts` on the server). */
type TProblemResponse = {
  headers: { [name: string]: unknown };
  content: { 'application/problem+json': TProblem };
};

/** An operation whose 2xx answers are as documented and whose every other answer is a problem. */
type TWithProblems<TOperation> = TOperation extends { responses: infer TResponses }
  ? Omit<TOperation, 'responses'> & {
      responses: {
        [
          K in keyof TResponses as `${K & (string | number)}` extends `2${string}` ? K : never
        ]: TResponses[K];
      } & { default: TProblemResponse };
    }
  : TOperation;

/**
 * The document's paths with one error shape. The server answers every 4xx and 5xx as problem+json
 * (better-auth's answers included: the server rewrites them), whatever a route documents, and the
 * client's middleware turns anything else (a proxy's HTML page, an empty 502) into a problem too.
 */
export type TCorebasePaths = {
  [P in keyof paths]: {
    [M in keyof paths[P]]: M extends THttpMethod ? TWithProblems<paths[P][M]> : paths[P][M];
  };
};

export type TCorebaseClient = Client<TCorebasePaths>;

export type TCorebaseClientOptions = {
  /** Where the server is, e.g. `https://corebase.example.com` (paths start with `/v1`). */
  baseUrl: string;
  /** A fetch to use instead of the global one (tests, proxies, retries). */
  fetch?: (request: Request) => Promise<Response>;
  /** Sent with every request. */
  headers?: Record<string, string>;
  /** An organization's API key (`cbk_…`), sent as `X-API-Key`. */
  apiKey?: string;
  /** A session token or a JWT access token, sent as `Authorization: Bearer`. */
  bearerToken?: string;
};

/**
 * A client for the Corebase API, typed by the OpenAPI document: `client.GET('/v1/webhooks')`
 * answers `{ data }` typed by the route's 200, or `{ error }`, a `TProblem`.
 */
export function createCorebaseClient(options: TCorebaseClientOptions): TCorebaseClient {
  if (options.apiKey !== undefined && options.bearerToken !== undefined) {
    // The server would take the API key and ignore the token; say so rather than guess.
    throw new TypeError('Pass apiKey or bearerToken, not both.');
  }
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
  if (options.bearerToken !== undefined) headers.authorization = `Bearer ${options.bearerToken}`;
  const client = createClient<TCorebasePaths>({
    baseUrl: options.baseUrl,
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(problemResponses);
  return client;
}

const problemContentType = /^application\/problem\+json\b/i;

/** True for a problem document as the server writes them, optionally of one `code`. */
export function isProblem<TCode extends string = string>(
  value: unknown,
  code?: TCode,
): value is TProblem & { code: TCode } {
  if (typeof value !== 'object' || value === null) return false;
  const problem = value as Record<string, unknown>;
  return (
    typeof problem.type === 'string' &&
    typeof problem.title === 'string' &&
    typeof problem.status === 'number' &&
    typeof problem.detail === 'string' &&
    typeof problem.code === 'string' &&
    typeof problem.requestId === 'string' &&
    (code === undefined || problem.code === code)
  );
}

/**
 * The problem an answer that is not one stands for: its status, what its body began with, the
 * request id the server (or nobody) set. `code` is `unexpected_response`, which the server never
 * uses, so a caller can tell a proxy's answer from the API's.
 */
function problemFor(response: Response, body: string): TProblem {
  const snippet = body.trim().slice(0, 200);
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: snippet
      ? `The server answered ${response.status} without a problem document: ${snippet}`
      : `The server answered ${response.status} with no body.`,
    code: 'unexpected_response',
    requestId: response.headers.get('x-request-id') ?? '',
  };
}

/**
 * Makes the `error` of every failed call a `TProblem`: answers of 400 and above that are not
 * problem documents (or have no body, which openapi-fetch would report as `error: undefined`)
 * are replaced by one built from their status.
 */
const problemResponses: Middleware = {
  async onResponse({ response }) {
    if (response.status < 400) return undefined;
    const body = await response.clone().text();
    if (problemContentType.test(response.headers.get('content-type') ?? '')) {
      try {
        if (isProblem(JSON.parse(body))) return undefined;
      } catch {
        // Not JSON after all: described below like any other body.
      }
    }
    const headers = new Headers(response.headers);
    headers.set('content-type', 'application/problem+json');
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(problemFor(response, body)), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  },
};

/** A failed call, thrown by `unwrap`: the problem the server answered, and its main parts. */
export class CorebaseError extends Error {
  readonly status: number;
  /** The stable code to branch on (`validation_failed`, `not_found`, …), never the message. */
  readonly code: string;
  /** Quote it when reporting an error: the server's logs carry it. */
  readonly requestId: string;

  constructor(readonly problem: TProblem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = 'CorebaseError';
    this.status = problem.status;
    this.code = problem.code;
    this.requestId = problem.requestId;
  }
}

type TResult = { data?: unknown; error?: unknown; response: Response };

/** The `data` of a result's success branch. */
export type TDataOf<TResultType> = TResultType extends { data: infer TData; error?: never }
  ? TData
  : never;

/**
 * The data of a successful call, or a `CorebaseError` thrown for a failed one:
 * `const hook = await unwrap(client.POST('/v1/webhooks', { body }))`.
 */
export async function unwrap<TResultType extends TResult>(
  result: TResultType | Promise<TResultType>,
): Promise<TDataOf<TResultType>> {
  const settled = await result;
  if (settled.response.ok && settled.error === undefined) {
    return settled.data as TDataOf<TResultType>;
  }
  // A client without our middleware (or an answer below 400 that is not a success) may carry
  // anything as `error`.
  const problem = isProblem(settled.error)
    ? settled.error
    : problemFor(
        settled.response,
        typeof settled.error === 'string' ? settled.error : JSON.stringify(settled.error ?? ''),
      );
  throw new CorebaseError(problem);
}

/** The header a retried unsafe request repeats so the server can answer it once. */
export const idempotencyKeyHeader = 'Idempotency-Key';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Middleware giving every unsafe request (POST, PUT, PATCH, DELETE) an `Idempotency-Key`, a
 * fresh UUID, unless the call sets its own: `client.use(idempotencyKeys())`, and
 * `headers: { [idempotencyKeyHeader]: key }` on a call to reuse a key across retries.
 *
 * The server does not act on the header yet; sending it now means clients need no change when
 * it does.
 */
export function idempotencyKeys(
  newKey: () => string = () => globalThis.crypto.randomUUID(),
): Middleware {
  return {
    onRequest({ request }) {
      if (!unsafeMethods.has(request.method) || request.headers.has(idempotencyKeyHeader)) {
        return undefined;
      }
      request.headers.set(idempotencyKeyHeader, newKey());
      return request;
    },
  };
}

/** The paths whose GET answers a page: `{ data: [...], nextCursor }`, and takes a `cursor`. */
export type TCursorPath = {
  [P in keyof TCorebasePaths]: TPageOf<P> extends never
    ? never
    : TGetOf<P> extends { parameters: { query?: { cursor?: string } } }
      ? P
      : never;
}[keyof TCorebasePaths];

type TGetOf<P extends keyof TCorebasePaths> = TCorebasePaths[P] extends { get: infer TGet }
  ? TGet
  : never;

type TPageOf<P extends keyof TCorebasePaths> =
  TGetOf<P> extends {
    responses: { 200: { content: { 'application/json': infer TBody } } };
  }
    ? TBody extends { data: unknown[]; nextCursor: string | null }
      ? TBody
      : never
    : never;

/** One page of a cursor path, as its GET answers it. */
export type TPage<P extends TCursorPath> = TPageOf<P>;

/** One item of a cursor path's pages. */
export type TPageItem<P extends TCursorPath> = TPageOf<P>['data'][number];

/** A cursor path's GET options, without the cursor: the helpers set it. */
export type TPageInit<P extends TCursorPath> = MaybeOptionalInit<TCorebasePaths[P], 'get'>;

/** Optional when the path has no required parameter (no `{id}` in it). */
type TPageInitArgument<P extends TCursorPath> =
  undefined extends TPageInit<P> ? [init?: TPageInit<P>] : [init: TPageInit<P>];

type TCursorPage = { data: unknown[]; nextCursor: string | null };

type TPageGet = (
  path: string,
  init: { params?: { query?: Record<string, unknown> } },
) => Promise<{ data?: TCursorPage; error?: unknown; response: Response }>;

/** The pages of `path` as plain cursor pages; the exported helpers give them their types. */
async function* cursorPages(
  client: TCorebaseClient,
  path: TCursorPath,
  init: { params?: { query?: Record<string, unknown> } } = {},
): AsyncGenerator<TCursorPage, void, undefined> {
  // The exported signatures check path and options against the document; the call itself
  // needs no more than this shape.
  const get = client.GET as unknown as TPageGet;
  let cursor: string | undefined;
  do {
    const page: TCursorPage = await unwrap(
      get(path, {
        ...init,
        params: {
          ...init.params,
          query: { ...init.params?.query, ...(cursor === undefined ? {} : { cursor }) },
        },
      }),
    );
    yield page;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/**
 * Every page of a cursor-paginated list, first to last, each fetched when the previous one has
 * been consumed; a failed call throws a `CorebaseError`.
 */
export async function* pages<P extends TCursorPath>(
  client: TCorebaseClient,
  path: P,
  ...[init]: TPageInitArgument<P>
): AsyncGenerator<TPage<P>, void, undefined> {
  for await (const page of cursorPages(client, path, init)) yield page as TPage<P>;
}

/** Every item of a cursor-paginated list, page after page: `for await (const n of paginate(…))`. */
export async function* paginate<P extends TCursorPath>(
  client: TCorebaseClient,
  path: P,
  ...[init]: TPageInitArgument<P>
): AsyncGenerator<TPageItem<P>, void, undefined> {
  for await (const page of cursorPages(client, path, init)) {
    yield* page.data as TPageItem<P>[];
  }
}
