import { timingSafeEqual } from 'node:crypto';
import { ZLiveness, ZProblem, ZReadiness, type TReadiness } from '@corebase/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '#server/platform/errors';
import { problemContentType, problemOf } from '#server/platform/http/problem';
import type { Metrics } from '#server/platform/metrics';

export type TOpsOptions = {
  readiness: () => Promise<TReadiness>;
  metrics: Metrics;
  metricsToken: string | undefined;
};

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Health, metrics and the OpenAPI document: what operators and load balancers call. */
export function opsRoutes(options: TOpsOptions): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health/live',
      {
        config: { permission: 'public', rateLimit: false },
        schema: {
          tags: ['operations'],
          operationId: 'getLiveness',
          description:
            'Answers 200 while the process runs, whatever its dependencies do: for a liveness probe.',
          summary: 'Liveness: the process answers.',
          response: { 200: ZLiveness },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/health/ready',
      {
        config: { permission: 'public', rateLimit: false },
        schema: {
          tags: ['operations'],
          operationId: 'getReadiness',
          description:
            'Answers 200 when the server can take traffic, else 503 with the failing checks: for a load balancer or a readiness probe.',
          summary:
            'Readiness: database reachable, migrations applied, Redis reachable when configured.',
          response: { 200: ZReadiness, 503: ZProblem },
        },
      },
      async (request, reply) => {
        const readiness = await options.readiness();
        if (readiness.status === 'ok') return readiness;
        const failing = Object.entries(readiness.checks)
          .filter(([, check]) => check.status === 'fail')
          .map(([name, check]) => `${name}: ${check.message ?? 'failing'}`);
        return reply
          .status(503)
          .type(problemContentType)
          .send(
            problemOf(request, 'not_ready', `Not ready: ${failing.join('; ')}.`, {
              checks: readiness.checks,
            }),
          );
      },
    );

    app.get(
      '/metrics',
      {
        config: { permission: 'operator', rateLimit: false },
        schema: { hide: true },
      },
      async (request, reply) => {
        // request.ip is the socket's address, or the forwarded client's with TRUST_PROXY: a
        // reverse proxy on the same host does not make every scraper "loopback".
        const fromLoopback = loopback.has(request.ip);
        if (!fromLoopback) {
          if (!options.metricsToken) {
            throw new AppError(
              'forbidden',
              'Metrics are served to loopback clients only; set METRICS_TOKEN to scrape from elsewhere.',
            );
          }
          if (!tokenMatches(request.headers.authorization, options.metricsToken)) {
            throw new AppError('unauthenticated', 'Send Authorization: Bearer <METRICS_TOKEN>.', {
              headers: { 'www-authenticate': 'Bearer realm="metrics"' },
            });
          }
        }
        return reply
          .type(options.metrics.registry.contentType)
          .send(await options.metrics.registry.metrics());
      },
    );

    app.get(
      '/v1/openapi.json',
      {
        config: { permission: 'public' },
        schema: { hide: true, response: { 200: z.record(z.string(), z.unknown()) } },
      },
      async () => app.swagger() as unknown as Record<string, unknown>,
    );
  };
}
