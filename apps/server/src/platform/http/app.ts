import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { impersonationHeader, type TRouteAccess } from '@corebase/contracts';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import FindMyWay from 'find-my-way';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { trustedOrigins, type TConfig } from '#server/config';
import { AppError } from '#server/platform/errors';
import { hasControlCharacter } from '#server/platform/http/characters';
import { csrfHeader, isValidCsrfToken } from '#server/platform/http/csrf';
import {
  impersonationHeaderValue,
  runActingFor,
  type TActingFor,
} from '#server/platform/http/impersonation';
import { runWithApiKey } from '#server/platform/http/api-key-scope';
import {
  clientErrorHandler,
  connectionOptions,
  frameworkErrorHandler,
  maxParamLength,
  refuseMissingHost,
  refuseNonOriginForm,
} from '#server/platform/http/connection';
import { registerDeclaredStatusCheck } from '#server/platform/http/declared-status';
import { registerInputGuards } from '#server/platform/http/input-guards';
import { finishOpenApiDocument, type TOpenApiExtra } from '#server/platform/http/openapi';
import { handleError, sendProblem } from '#server/platform/http/problem';
import { requestIdFrom } from '#server/platform/http/request-id';
import { isReservedPath } from '#server/platform/http/reserved';
import { limitWebBody } from '#server/platform/http/web-body';
import type { Metrics } from '#server/platform/metrics';

export type TRoutePermission = TRouteAccess;

/** A route's request schemas (zod), where it has them: what the authorization tests build from. */
export type TRequestSchemas = { body?: unknown; querystring?: unknown; params?: unknown };

export type TRouteInfo = {
  method: string;
  url: string;
  permission: TRoutePermission | undefined;
  schemas: TRequestSchemas;
  sessionOnly: boolean;
};

/** Who is calling, as the authenticator resolved it. */
export type TPrincipal = {
  userId: string;
  sessionId: string | null;
  /** The active organization, when the caller has chosen one and is a member. */
  orgId: string | null;
  role: string | null;
  permissions: ReadonlySet<string>;
  superadmin: boolean;
  /** Whether the user signs in with a second factor. */
  twoFactorEnabled: boolean;
  /**
   * How the credentials came: a browser cookie is subject to CSRF checks, a bearer token or an
   * API key not. An API key acts only on routes that need a permission of its organization.
   */
  via: 'cookie' | 'bearer' | 'api_key' | 'jwt';
  /** The API key, when one authenticated the request. */
  apiKeyId?: string;
  /** Why permissions are narrower than the role says (added to 403 answers). */
  notice?: string;
  /** Set when a superadmin acts as this user (an impersonation session). */
  impersonatedBy?: TActingFor;
};

export type TAuthenticate = (request: FastifyRequest) => Promise<TPrincipal | null>;

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  interface FastifyContextConfig {
    /** Every route declares who may call it; a test fails for any route that does not. */
    permission?: TRoutePermission;
    /** Request schemas of a route Fastify does not validate itself (a library checks its input). */
    requestSchema?: TRequestSchemas;
    /** A route for people signed in (accounts, members): refused to API keys. */
    sessionOnly?: boolean;
    /**
     * Credentials and other things only the user themself may do (password, second factor, API
     * keys, account deletion): refused while a superadmin impersonates them.
     */
    refusedWhileImpersonating?: boolean;
  }
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  interface FastifyInstance {
    /** Every registered route with its declared permission (for the authorization tests). */
    routeTable(): TRouteInfo[];
  }
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  interface FastifyRequest {
    /** Set by the access check for every route that is not public. */
    principal: TPrincipal | null;
  }
}

export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger, ZodTypeProvider>;

export type TWebHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export type TAppOptions = {
  config: TConfig;
  logger: Logger;
  metrics: Metrics;
  redis?: Redis | undefined;
  /** Route plugins, in one explicit list (see `routes.ts`). */
  routes: FastifyPluginAsync[];
  /** Paths documented by a library rather than by our route schemas (better-auth's). */
  openApiExtra?: TOpenApiExtra;
  /** Resolves the caller of a non-public route; without it such routes answer 401. */
  authenticate?: TAuthenticate | undefined;
  /** The Next.js request handler when this process runs the `web` role. */
  web?: TWebHandler | undefined;
  version: string;
};

function requestSchemasOf(route: { config?: unknown; schema?: unknown }): TRequestSchemas {
  const declared = (route.config as { requestSchema?: TRequestSchemas } | undefined)?.requestSchema;
  const own = route.schema as TRequestSchemas | undefined;
  return {
    body: own?.body ?? declared?.body,
    querystring: own?.querystring ?? declared?.querystring,
    params: own?.params ?? declared?.params,
  };
}

type TMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
const methods: TMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export async function buildApp(options: TAppOptions): Promise<App> {
  const { config } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: requestIdFrom,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // Our own closing check below answers problem+json instead.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength },
    // Slow or malformed requests, and what the router refuses itself: problem+json too.
    ...connectionOptions(config),
    clientErrorHandler: clientErrorHandler(options.logger),
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: text/plain and anything else is 415 rather than a string in a JSON route.
  app.removeContentTypeParser(['text/plain']);
  // Bodies, query strings and path parameters within bounds and storable, for every route.
  registerInputGuards(app);
  if (config.NODE_ENV === 'test') registerDeclaredStatusCheck(app);

  // Fastify answers an unknown method with 404; keep our own table of paths to tell 405 apart.
  const knownRoutes = FindMyWay();
  const registered: {
    method: string | string[];
    url: string;
    config?: unknown;
    schema?: unknown;
  }[] = [];
  app.decorate('routeTable', () =>
    registered.flatMap((route) =>
      (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({
        method,
        url: route.url,
        permission: (route.config as { permission?: TRoutePermission } | undefined)?.permission,
        schemas: requestSchemasOf(route),
        sessionOnly: (route.config as { sessionOnly?: boolean } | undefined)?.sessionOnly === true,
      })),
    ),
  );
  app.addHook('onRoute', (route) => {
    registered.push(route);
    // Plugin-owned routes: CORS preflight (OPTIONS *) answers anyone, as the CORS spec requires.
    if (route.url === '*') {
      route.config = { ...(route.config as object), permission: 'public' } as never;
      return;
    }
    const routeMethods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of routeMethods) {
      if (method === 'HEAD' || !methods.includes(method as TMethod)) continue;
      try {
        knownRoutes.on(method as TMethod, route.url, () => undefined);
      } catch {
        // Registered twice through prefix/trailing-slash variants: the first entry is enough.
      }
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onRequest', refuseMissingHost);
  app.addHook('onRequest', refuseNonOriginForm);

  let closing = false;
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    void reply.header('connection', 'close');
    return sendProblem(
      request,
      reply,
      'service_unavailable',
      'The server is shutting down; retry shortly.',
    );
  });

  // Web paths go to Next.js here, before Fastify parses a body (Next reads the raw stream) and
  // before any API hook (helmet, CORS, rate limits) touches them.
  const webRequests = new WeakSet<object>();
  if (options.web) {
    const { web } = options;
    app.addHook('onRequest', async (request, reply) => {
      if (isReservedPath(request.url)) return;
      webRequests.add(request);
      const started = process.hrtime.bigint();
      reply.raw.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        options.metrics.httpDuration.observe(
          { route: 'web', method: request.method, status_code: String(reply.raw.statusCode) },
          seconds,
        );
      });
      // Headers set through `reply` are not written once the reply is hijacked.
      reply.raw.setHeader('x-request-id', request.id);
      reply.hijack();
      const body = limitWebBody(request.raw, reply.raw, config.BODY_LIMIT_BYTES, request.id);
      if (body.refused) return;
      try {
        await web(request.raw, reply.raw);
      } catch (error) {
        // A body cut off at the limit fails the page's read of it: answered already.
        if (body.refused) return;
        request.log.error({ err: error }, 'web request failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'text/plain' });
        reply.raw.end('Internal server error');
      }
    });
  }

  // A target no client of ours sends: a backslash (URL parsers read it as `/`), a dot segment
  // (`..` resolves away a prefix) or a control character. Refused before any route sees it.
  app.addHook('onRequest', async (request) => {
    if (!isReservedPath(request.url)) return;
    const path = request.url.split('?', 1)[0] ?? '';
    if (
      path.includes('\\') ||
      hasControlCharacter(path) ||
      /(^|\/)(\.|%2e){1,2}(\/|$)/i.test(path)
    ) {
      throw new AppError('bad_request', 'This request path is not one the API serves.');
    }
  });

  await app.register(helmet, { global: false });
  app.addHook('onRequest', async (request, reply) => {
    const url = request.url;
    if (!isReservedPath(url)) return; // web paths: Next's proxy sets a nonce-based CSP
    // /docs: swagger-ui's staticCSP sets a policy its UI works under; helmet adds the rest.
    // helmet's middleware sets its headers synchronously.
    reply.helmet(url.startsWith('/docs') ? { contentSecurityPolicy: false } : undefined);
  });

  await app.register(cors, {
    origin: (origin, callback) => {
      // No Origin: same-origin or a non-browser client. Otherwise only configured origins.
      callback(null, origin === undefined || config.CORS_ORIGINS.includes(origin));
    },
    credentials: true,
    exposedHeaders: ['x-request-id', 'retry-after', impersonationHeader],
  });

  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    // Redis unreachable: serve without limits (logged) rather than fail every request.
    skipOnError: true,
    ...(options.redis ? { redis: options.redis, nameSpace: 'corebase:rate-limit:' } : {}),
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'rate_limited',
        `Too many requests: the limit is ${context.max} per ${context.after}. Retry after ${Math.ceil(context.ttl / 1000)} s.`,
        { headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) } },
      ),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Corebase API',
        version: options.version,
        description:
          'REST API of Corebase. Errors are RFC 9457 application/problem+json with a stable `code` and the request id.',
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) =>
      finishOpenApiDocument(
        (documentObject as { openapiObject: Record<string, unknown> }).openapiObject,
        { routes: app.routeTable(), extra: options.openApiExtra },
      ),
  });
  // swagger-ui's own routes are static files for anyone: declare them public.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) {
      route.config = {
        ...(route.config as object),
        permission: 'public',
        rateLimit: false,
      } as never;
    }
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: { url: '/v1/openapi.json', deepLinking: true },
  });

  app.setErrorHandler((error, request, reply) => handleError(error as Error, request, reply));

  // Every route's declared access, enforced before validation: an anonymous caller learns
  // nothing about a route's input from its 400s.
  app.decorateRequest('principal', null);
  const allowedOrigins = new Set(trustedOrigins(config));
  // Per key, on top of the per-IP limit: one client's key cannot eat the others' budget.
  const apiKeyLimit = app.createRateLimit({
    max: config.RATE_LIMIT_API_KEY_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    keyGenerator: (request) => `api-key:${request.principal?.apiKeyId ?? 'none'}`,
  });
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.permission;
    // `challenge` routes check their own credential (better-auth's two-factor cookie).
    if (access === 'public' || access === 'operator' || access === 'challenge') return;
    // A route that forgot to declare who may call it is closed, not open. (Unmatched paths have
    // no route config at all: they answer 404/405 below.)
    if (access === undefined) {
      if (request.is404) return;
      throw new AppError('forbidden', 'This route declares no permission, so nobody may call it.');
    }
    const principal = options.authenticate ? await options.authenticate(request) : null;
    if (!principal) {
      throw new AppError(
        'unauthenticated',
        'Sign in first: send the session cookie or Authorization: Bearer <token>.',
        {
          headers: { 'www-authenticate': 'Bearer' },
        },
      );
    }
    request.principal = principal;
    // Every answer to a request made while impersonating says so, errors included.
    if (principal.impersonatedBy) {
      void reply.header(impersonationHeader, impersonationHeaderValue(principal.impersonatedBy));
    }
    // Keys and access tokens are for API clients: the data routes of an organization.
    if (
      (principal.via === 'api_key' || principal.via === 'jwt') &&
      (request.routeOptions.config.sessionOnly || !(access as string).includes(':'))
    ) {
      throw new AppError(
        'forbidden',
        `${principal.via === 'jwt' ? 'An access token' : 'An API key'} works on the data routes of its organization; sign in for accounts, members and the platform.`,
      );
    }
    if (principal.via === 'api_key') {
      const limit = await apiKeyLimit(request);
      if (!limit.isAllowed && limit.isExceeded) {
        throw new AppError(
          'rate_limited',
          `Too many requests with this API key: the limit is ${config.RATE_LIMIT_API_KEY_MAX} per ${config.RATE_LIMIT_WINDOW_MS / 1000} s. Retry after ${limit.ttlInSeconds} s.`,
          { headers: { 'retry-after': String(limit.ttlInSeconds) } },
        );
      }
    }
    // CSRF: a browser sends cookies on cross-site requests too. An unsafe request authenticated by
    // cookie must come from our own origin (or a configured one); bearer calls are exempt.
    // A client that sends no Origin proves itself with the session's CSRF token instead.
    if (
      !['GET', 'HEAD', 'OPTIONS'].includes(request.method) &&
      principal.via === 'cookie' &&
      !allowedOrigins.has(request.headers.origin ?? '') &&
      !(
        principal.sessionId &&
        isValidCsrfToken(config.AUTH_SECRET, principal.sessionId, request.headers[csrfHeader])
      )
    ) {
      throw new AppError(
        'forbidden',
        `Cross-site request refused: send it from the app itself (Origin header), with the ${csrfHeader} header from GET /v1/session/csrf-token, or authenticate with a bearer token.`,
      );
    }
    if (principal.impersonatedBy && request.routeOptions.config.refusedWhileImpersonating) {
      throw new AppError(
        'impersonation_forbidden',
        'Not while impersonating: credentials, the second factor, sessions, API keys and the account itself stay the user’s own. Stop impersonating (POST /v1/admin/impersonation/stop) first.',
      );
    }
    if (access === 'authenticated') return;
    if (access === 'superadmin') {
      if (!principal.superadmin)
        throw new AppError('forbidden', 'This requires a platform superadmin.');
      return;
    }
    if (!principal.orgId) {
      throw new AppError(
        'forbidden',
        'Choose an active organization first (POST /v1/auth/organization/set-active).',
      );
    }
    if (!principal.permissions.has(access)) {
      throw new AppError(
        'forbidden',
        principal.notice ??
          `Your role (${principal.role ?? 'none'}) lacks the permission ${access}.`,
      );
    }
  });

  // A callback hook, so the route's own preHandlers and its handler run inside the scope (an async
  // hook's scope would end with it; body parsing runs outside the onRequest hooks' scope).
  app.addHook('preHandler', (request, _reply, done) => {
    const actingFor = request.principal?.impersonatedBy;
    const apiKeyId = request.principal?.apiKeyId;
    const run = () => (apiKeyId ? runWithApiKey(apiKeyId, done) : done());
    if (actingFor) runActingFor(actingFor, run);
    else run();
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const allowed = methods.filter(
      (method) => method !== request.method && knownRoutes.find(method, path) !== null,
    );
    if (allowed.length > 0) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      void reply.header('allow', allowed.join(', '));
      return sendProblem(
        request,
        reply,
        'method_not_allowed',
        `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`,
      );
    }
    return sendProblem(request, reply, 'not_found', `Nothing at ${request.method} ${path}.`);
  });

  app.addHook('onResponse', async (request, reply) => {
    if (webRequests.has(request)) return; // counted as route="web" when its response finished
    const route = request.routeOptions.url ?? 'not_found';
    options.metrics.httpDuration.observe(
      { route, method: request.method, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  // server.close() drops only the keep-alive connections idle at that moment; one that finishes
  // its in-flight request afterwards would hold shutdown until its keep-alive timeout (72 s).
  let reaper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    reaper = setInterval(() => app.server.closeIdleConnections(), 50).unref();
  });
  app.addHook('onClose', async () => clearInterval(reaper));

  for (const routes of options.routes) await app.register(routes);
  return app;
}
