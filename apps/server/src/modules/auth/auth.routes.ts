import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TConfig } from '#server/config';
import { authBasePath, type Auth } from '#server/modules/auth/auth';
import { codeForStatus, sendProblem } from '#server/platform/http/problem';

/** Set by us from the connection (or trusted proxy); a value sent by the client is replaced. */
export const clientIpHeader = 'x-corebase-client-ip';

/** Turns a Fastify request into the fetch Request better-auth's handler takes. */
function toWebRequest(request: FastifyRequest, baseUrl: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === clientIpHeader) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  headers.set(clientIpHeader, request.ip);
  headers.set('x-request-id', request.id);
  const hasBody =
    request.method !== 'GET' && request.method !== 'HEAD' && request.body !== undefined;
  if (hasBody) headers.set('content-type', 'application/json');
  headers.delete('content-length');
  return new Request(new URL(request.url, baseUrl), {
    method: request.method,
    headers,
    body: hasBody ? JSON.stringify(request.body) : undefined,
  });
}

async function sendWebResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  response: Response,
): Promise<FastifyReply> {
  for (const cookie of response.headers.getSetCookie()) void reply.header('set-cookie', cookie);
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && name !== 'content-length') void reply.header(name, value);
  });
  const text = await response.text();
  if (response.status >= 400) {
    // better-auth answers {code, message}: keep its code as `reason`, give ours as `code`.
    let body: { code?: string; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: fall back to the status text
    }
    const code = codeForStatus(response.status);
    if (code === 'internal_error') {
      request.log.error({ status: response.status, body: text }, 'auth handler failed');
      return sendProblem(
        request,
        reply,
        code,
        `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
      );
    }
    return sendProblem(request, reply, code, body.message ?? response.statusText, {
      ...(body.code ? { reason: body.code.toLowerCase() } : {}),
    });
  }
  void reply.status(response.status);
  return reply.send(text.length > 0 ? text : undefined);
}

/**
 * better-auth under /v1/auth: sign-up, sign-in, sessions, verification, password reset,
 * organizations. Its endpoints authenticate for themselves, so the route is public here.
 */
/** Endpoints that guess or mint credentials: counted under RATE_LIMIT_AUTH_MAX, apart. */
const credentialPaths = new Set(
  [
    '/sign-in/email',
    '/sign-up/email',
    '/request-password-reset',
    '/reset-password',
    '/change-password',
    '/send-verification-email',
  ].map((p) => `${authBasePath}${p}`),
);
const isCredentialPath = (url: string) => credentialPaths.has(url.split('?', 1)[0] ?? '');

export function authRoutes(options: { auth: Auth; config: TConfig }): FastifyPluginAsync {
  const { config } = options;
  return async (app) => {
    app.route({
      method: ['GET', 'POST'],
      url: `${authBasePath}/*`,
      config: {
        permission: 'public',
        rateLimit: {
          max: (request) =>
            isCredentialPath(request.url) ? config.RATE_LIMIT_AUTH_MAX : config.RATE_LIMIT_MAX,
          keyGenerator: (request) =>
            isCredentialPath(request.url) ? `${request.ip}:credentials` : request.ip,
        },
      },
      schema: { hide: true },
      handler: async (request, reply) =>
        sendWebResponse(
          request,
          reply,
          await options.auth.handler(toWebRequest(request, config.PUBLIC_URL)),
        ),
    });
  };
}
