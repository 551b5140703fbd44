import type { TFieldError, TProblem } from '@corebase/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { databaseErrorOf } from '#server/platform/db/database';
import { AppError, errorStatus, type TErrorCode } from '#server/platform/errors';
import { fieldErrorsProblem, maxListedErrors } from '#server/platform/http/field-errors';

const titles: Record<TErrorCode, string> = {
  validation_failed: 'Validation failed',
  malformed_json: 'Malformed JSON',
  bad_request: 'Bad request',
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  impersonation_forbidden: 'Forbidden while impersonating',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  request_timeout: 'Request timeout',
  payload_too_large: 'Payload too large',
  uri_too_long: 'URI too long',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  header_too_large: 'Request header fields too large',
  internal_error: 'Internal server error',
  not_ready: 'Not ready',
  service_unavailable: 'Service unavailable',
};

export const problemContentType = 'application/problem+json; charset=utf-8';

export function problemOf(
  request: FastifyRequest,
  code: TErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
): TProblem {
  return problemDocument(
    code,
    detail,
    { instance: request.url.split('?', 1)[0] ?? request.url, requestId: request.id },
    extra,
  );
}

/**
 * A problem document outside Fastify's request cycle (a connection-level answer): the path when
 * the request got that far, and a request id made up for it when there is no request.
 */
export function problemDocument(
  code: TErrorCode,
  detail: string,
  context: { instance?: string | undefined; requestId: string },
  extra: Record<string, unknown> = {},
): TProblem {
  // However many fields a thrower names, the answer lists a bounded number, with their count.
  const errors = Array.isArray(extra.errors) ? (extra.errors as TFieldError[]) : undefined;
  return {
    ...extra,
    ...(errors
      ? {
          errors: errors.slice(0, maxListedErrors),
          errorCount: typeof extra.errorCount === 'number' ? extra.errorCount : errors.length,
        }
      : {}),
    type: `urn:corebase:problem:${code}`,
    title: titles[code],
    status: errorStatus[code],
    detail,
    ...(context.instance === undefined ? {} : { instance: context.instance }),
    code,
    requestId: context.requestId,
  };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: TErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .status(errorStatus[code])
    .type(problemContentType)
    .send(problemOf(request, code, detail, extra));
}

const fastifyCodes: Record<string, TErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_VALIDATION: 'validation_failed',
};

/** SQLSTATEs that bad input can cause, as 4xx answers (the constraint behind them is the fix). */
const databaseCodes: Record<string, { code: TErrorCode; detail: string }> = {
  '23505': { code: 'conflict', detail: 'A record with these values already exists.' },
  '23503': {
    code: 'conflict',
    detail: 'This refers to a record that does not exist, or is still referred to.',
  },
  '22P02': {
    code: 'bad_request',
    detail: 'A value has the wrong format (for example an id that is not a UUID).',
  },
  '22001': { code: 'bad_request', detail: 'A value is longer than allowed.' },
  '22007': { code: 'bad_request', detail: 'A date or time has the wrong format.' },
  '22008': { code: 'bad_request', detail: 'A date or time is out of range (1970 to 9999).' },
  '22009': { code: 'bad_request', detail: 'A time zone offset is out of range.' },
  // Backstops: the input guards refuse U+0000, lone surrogates and invalid UTF-8 before this.
  '22021': { code: 'bad_request', detail: 'A value holds a character that cannot be stored.' },
  '22P05': { code: 'bad_request', detail: 'A value holds a character that cannot be stored.' },
};

const statusCodes: Partial<Record<number, TErrorCode>> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  431: 'header_too_large',
};

/** Our stable code for an HTTP status another component answered with. */
export function codeForStatus(status: number): TErrorCode {
  return statusCodes[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}

/**
 * The one error handler: AppError as thrown; schema failures as 400 naming each field; Fastify's
 * own 4xx (parsing, limits) with stable codes; everything else a 500 whose detail is only the
 * request id, with the real error in the log.
 */
export function handleError(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof AppError) {
    if (error.headers) void reply.headers(error.headers);
    if (error.status >= 500) request.log.error({ err: error }, error.message);
    return sendProblem(request, reply, error.code, error.message, error.details);
  }

  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = error.validationContext ?? 'body';
    // Only the listed ones are mapped: a body of 10,000 bad items has as many issues.
    const errors: TFieldError[] = error.validation.slice(0, maxListedErrors).map((issue) => ({
      in: part,
      field: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      message: issue.message ?? 'is invalid',
    }));
    const { detail, details } = fieldErrorsProblem(errors, error.validation.length);
    return sendProblem(request, reply, 'validation_failed', detail, details);
  }

  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code =
      (fastifyError.code ? fastifyCodes[fastifyError.code] : undefined) ??
      (error instanceof SyntaxError ? 'malformed_json' : undefined) ??
      statusCodes[status] ??
      'bad_request';
    if (code === 'rate_limited' && !reply.hasHeader('retry-after')) {
      void reply.header('retry-after', '60');
    }
    return sendProblem(request, reply, code, humanize(code, error.message));
  }

  // Errors from the database that user input can cause are the user's to fix, not a 500.
  const dbError = databaseErrorOf(error);
  const mapped = dbError?.code ? databaseCodes[dbError.code] : undefined;
  if (mapped) return sendProblem(request, reply, mapped.code, mapped.detail);

  // Drizzle's message repeats the query's parameters (user data, tokens): log the cause only.
  request.log.error(
    {
      err: dbError
        ? { type: 'DatabaseError', code: dbError.code, message: dbError.message }
        : error,
    },
    'request failed',
  );
  return sendProblem(
    request,
    reply,
    status === 503 ? 'service_unavailable' : 'internal_error',
    `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
  );
}

function humanize(code: TErrorCode, message: string): string {
  switch (code) {
    case 'malformed_json':
      return `The request body is not valid JSON: ${message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'\s*/, '').trim() || 'check quotes, commas and brackets'}.`;
    case 'payload_too_large':
      return 'The request body is larger than this server accepts (BODY_LIMIT_BYTES).';
    case 'unsupported_media_type':
      return `${message}. Send JSON with Content-Type: application/json.`;
    default:
      return message;
  }
}
