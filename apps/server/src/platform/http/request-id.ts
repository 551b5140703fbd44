import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const acceptable = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/**
 * Honours an incoming X-Request-Id (from a load balancer or a client correlating its own logs)
 * when it is a sane token; anything else — too long, control characters — gets a fresh id, so
 * the header cannot be used to forge log lines.
 */
export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && acceptable.test(value) ? value : randomUUID();
}
