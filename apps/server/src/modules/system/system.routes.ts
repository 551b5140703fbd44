import { ZMeta } from '@corebase/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

export function systemRoutes(options: { version: string }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/meta',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['system'],
          operationId: 'getMeta',
          description:
            'The product name, the running version, and where the API reference, this document and the health check are.',
          summary: 'What this server is: product, version, where the docs are.',
          response: { 200: ZMeta },
        },
      },
      async () => ({
        name: 'Corebase' as const,
        version: options.version,
        apiVersion: 'v1' as const,
        links: { docs: '/docs', openapi: '/v1/openapi.json', health: '/health/ready' },
      }),
    );
  };
}
