import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { TConfig } from '#server/config';
import { AppError, errorStatus, type TErrorCode } from '#server/platform/errors';
import { handleError, problemContentType, problemDocument } from '#server/platform/http/problem';

/** Node's default, stated here because the 431 answer names it. */
const maxHeaderBytes = 16 * 1024;
/** find-my-way's default: longer than any id (a UUID is 36) or slug a route takes. */
export const maxParamLength = 100;

/**
 * Timeouts of the listening socket, from the configuration. Node enforces the request and
 * headers timeouts only when it sweeps its connections (every 30 s by default), which would
 * let a slow client hold a connection up to 30 s past them: the sweep runs at a quarter of the
 * shorter one instead, at most every second.
 */
export function connectionOptions(config: TConfig): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: ServerOptions;
} {
  const shorter = Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS);
  return {
    connectionTimeout: config.HTTP_CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    // Node checks headersTimeout <= requestTimeout only when both reach its constructor.
    http: {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(shorter / 4))),
      // Node would answer a missing Host with a bare 400 of its own: refuseMissingHost does.
      requireHostHeader: false,
    },
  };
}

type TClientError = Error & { code?: string; reason?: string };

function clientProblemOf(error: TClientError): { code: TErrorCode; detail: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        code: 'request_timeout',
        detail:
          'The request did not arrive in time (HTTP_HEADERS_TIMEOUT_MS for its headers, HTTP_REQUEST_TIMEOUT_MS for all of it); send it at once on a new connection.',
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        code: 'header_too_large',
        detail: `The request line and headers are larger than this server accepts (${maxHeaderBytes / 1024} KiB): shorten the URL or drop headers (large cookies).`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        code: 'payload_too_large',
        detail: 'The chunk extensions of the body are larger than this server accepts.',
      };
    default:
      return {
        code: 'bad_request',
        detail: `This is not a well-formed HTTP/1.1 request${error.reason ? ` (${error.reason.replace(/[^\x20-\x7e]/g, '')})` : ''}; check the request line and the headers.`,
      };
  }
}

/** The status line and headers of a problem answer after which the connection closes. */
function closingProblemHead(status: number, length: number, requestId: string): string {
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    `Content-Type: ${problemContentType}`,
    `Content-Length: ${length}`,
    'Connection: close',
    `X-Request-Id: ${requestId}`,
    '',
    '',
  ].join('\r\n');
}

/**
 * What Node's HTTP parser refuses (a malformed request line, headers too large, a request too
 * slow) never reaches Fastify's error handler: the socket gets a problem+json answer here, written
 * only while no answer to the request on it has begun (as Node's own handler does), with
 * `Connection: close` because the parser cannot read past the error. The connection then closes
 * once the answer is out.
 */
export function clientErrorHandler(logger: Logger) {
  return (error: TClientError, socket: Socket): void => {
    // The peer went away: there is nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) {
      socket.destroy();
      return;
    }
    const { code, detail } = clientProblemOf(error);
    const requestId = randomUUID();
    logger.debug({ err: error, requestId }, 'client error');
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const instance = inFlight?.req.url?.split('?', 1)[0];
    const body = JSON.stringify(problemDocument(code, detail, { instance, requestId }));
    socket.write(closingProblemHead(errorStatus[code], Buffer.byteLength(body), requestId) + body);
    socket.destroySoon();
  };
}

/**
 * An HTTP/1.1 request must name its host (RFC 9112 §3.2); Node's own check answers a bare 400, so
 * it is turned off (`requireHostHeader`) and made here, as problem+json, before any route or page
 * sees the request. Closed like Node does: a client this far off may not frame its next request.
 */
export async function refuseMissingHost(request: FastifyRequest): Promise<void> {
  const { httpVersionMajor, httpVersionMinor } = request.raw;
  if (request.headers.host !== undefined || httpVersionMajor !== 1 || httpVersionMinor < 1) return;
  throw new AppError('bad_request', 'An HTTP/1.1 request must send a Host header.', {
    headers: { connection: 'close' },
  });
}

/**
 * The request target in origin form (`/v1/meta?x=1`), as every client of an origin server sends
 * it. The absolute form (`GET http://host/v1/meta`) is for proxies: left alone it would be judged
 * as no API path and handed to the web app, past the API's headers and checks. `*` stays for
 * `OPTIONS *`, which the router answers itself.
 */
export async function refuseNonOriginForm(request: FastifyRequest): Promise<void> {
  const target = request.raw.url ?? '';
  if (target.startsWith('/') || target === '*') return;
  throw new AppError(
    'bad_request',
    'Send the request target as a path (origin form, such as /v1/meta): this server is no proxy.',
    { headers: { connection: 'close' } },
  );
}

/**
 * Refusals of the request line itself close the connection, as the parser's do: a client that
 * sends such a target may be out of step with the server about where its requests begin.
 */
const closeConnection = { connection: 'close' };

/**
 * Answers the router gives itself (malformed percent-encoding, a path segment past
 * `maxParamLength`) through the one error handler, as problem+json with a stable code. They
 * arrive before any hook, so the request id header is set here.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.header('x-request-id', request.id);
  let known: Error = error;
  if (error.code === 'FST_ERR_BAD_URL') {
    known = new AppError(
      'bad_request',
      'The path is not valid percent-encoded UTF-8: every % must be followed by two hex digits that, together, spell UTF-8 (send a literal % as %25).',
      { headers: closeConnection },
    );
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    known = new AppError(
      'uri_too_long',
      `A segment of the path is longer than ${maxParamLength} characters, longer than any id or slug this API takes.`,
      { headers: closeConnection },
    );
  }
  handleError(known, request, reply);
}
