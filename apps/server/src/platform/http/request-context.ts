import type { FastifyRequest } from 'fastify';

/** Where a request came from, as audit entries record it. */
export function requestContextOf(request: FastifyRequest): {
  ip: string;
  userAgent?: string;
  requestId: string;
} {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, requestId: request.id, ...(userAgent ? { userAgent } : {}) };
}
