/**
 * Stable error codes. Clients branch on `code`, never on `title` or `detail`, so a code is never
 * renamed once released. Each maps to exactly one HTTP status.
 */
export const errorStatus = {
  /** A field of the request failed its schema; `errors` names each field. */
  validation_failed: 400,
  /** The body is not parseable JSON. */
  malformed_json: 400,
  /** The request is wrong in a way not tied to one field. */
  bad_request: 400,
  /** No valid credentials were presented. */
  unauthenticated: 401,
  /** The caller is known but lacks the permission. */
  forbidden: 403,
  /**
   * A superadmin acting as the user asked for what only the user may do (change the password,
   * the second factor, delete the account, mint keys or tokens).
   */
  impersonation_forbidden: 403,
  /** Nothing exists at this path, or the caller may not know it exists. */
  not_found: 404,
  /** The path exists but not with this method; `Allow` lists the methods. */
  method_not_allowed: 405,
  /** The request conflicts with the current state (duplicate, stale version). */
  conflict: 409,
  /**
   * The request did not arrive in time: its headers within HTTP_HEADERS_TIMEOUT_MS, or all of it
   * within HTTP_REQUEST_TIMEOUT_MS. The connection is closed.
   */
  request_timeout: 408,
  /** The body exceeds BODY_LIMIT_BYTES (on API and web paths alike). */
  payload_too_large: 413,
  /** A segment of the path is longer than any id or slug the routes take. */
  uri_too_long: 414,
  /** The Content-Type is not one this route accepts. */
  unsupported_media_type: 415,
  /** Too many requests; `Retry-After` says when to come back. */
  rate_limited: 429,
  /** The request line and headers together exceed the server's limit. The connection is closed. */
  header_too_large: 431,
  /** An unexpected failure; the detail is hidden and the request id given instead. */
  internal_error: 500,
  /** A dependency (database, Redis) is unavailable; `checks` names it. */
  not_ready: 503,
  /** The server is shutting down or overloaded. */
  service_unavailable: 503,
} as const;

export type TErrorCode = keyof typeof errorStatus;

export type TAppErrorOptions = {
  /** Extra members of the problem document (`errors`, `checks`, …). */
  details?: Record<string, unknown>;
  cause?: unknown;
  headers?: Record<string, string>;
};

/** The one error type services throw. The HTTP layer turns it into problem+json. */
export class AppError extends Error {
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: TErrorCode,
    message: string,
    options: TAppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = errorStatus[code];
    this.details = options.details;
    this.headers = options.headers;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
