import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Audit } from '#server/modules/audit/audit.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import { AppError } from '#server/platform/errors';
import { requestContextOf } from '#server/platform/http/request-context';
import { handleError } from '#server/platform/http/problem';

/** Where the board is served; under `/ops`, a prefix the web app leaves to the server. */
export const queueBoardPath = '/ops/queues';

/** A person opening the board in a browser, as opposed to the board's own API and asset calls. */
function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  return (
    request.method === 'GET' &&
    !path.startsWith(`${queueBoardPath}/api/`) &&
    !path.startsWith(`${queueBoardPath}/static/`) &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

/**
 * The access check runs before any route's own code, so its 401 comes here: a browser is sent
 * to sign in and back, every other caller gets problem+json. bull-board sets an error handler of
 * its own (its body carries the error message, and is not problem+json); a route's handler wins.
 */
function boardErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof AppError && error.code === 'unauthenticated' && wantsPage(request)) {
    void reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`);
    return;
  }
  void handleError(error, request, reply);
}

/**
 * bull-board at `/ops/queues`, for platform superadmins signed in with a session: BullMQ's own
 * view of every registered queue (jobs, payloads, retries, cleaning). Only with the Redis driver;
 * the operations API (`GET /v1/admin/queues`) covers both drivers.
 */
export function queueBoardRoutes(deps: {
  redisUrl: string;
  /** The BullMQ key prefix the job driver uses. */
  prefix: string;
  queues: readonly string[];
  audit: Audit;
  tenancy: Tenancy;
}): FastifyPluginAsync {
  return async (app) => {
    // Its own connection, failing fast: a board request while Redis is down errors instead of
    // waiting out ioredis' 20 retries.
    const connection = new Redis(deps.redisUrl, { connectTimeout: 2_000, maxRetriesPerRequest: 1 });
    connection.on('error', (error: Error) =>
      app.log.error({ err: error }, 'queue board: Redis connection error'),
    );
    const queues = deps.queues.map((name) => {
      const queue = new Queue(name, { connection, prefix: deps.prefix });
      queue.on('error', (error: Error) =>
        app.log.error({ err: error, queue: name }, 'queue board: queue error'),
      );
      return queue;
    });
    app.addHook('onClose', async () => {
      // A connection passed in stays open when its queues close: quit it ourselves.
      await Promise.allSettled(queues.map((queue) => queue.close()));
      await connection.quit().catch(() => connection.disconnect());
    });

    // Every route bull-board registers (pages, its API, its static files) takes the app's access
    // check for superadmins, and our error handler.
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, permission: 'superadmin', sessionOnly: true };
      route.errorHandler = boardErrorHandler;
    });
    // Board actions (retry, clean, remove, pause) change jobs outside the operations API.
    // They are platform audit entries, as the operations API's retries and discards are.
    app.addHook('onResponse', async (request, reply) => {
      if (['GET', 'HEAD', 'OPTIONS'].includes(request.method) || reply.statusCode >= 400) return;
      const userId = request.principal?.userId ?? null;
      request.log.info(
        { userId, method: request.method, url: request.url },
        'queue board: jobs changed',
      );
      try {
        await deps.tenancy.withPlatform((tx) =>
          deps.audit.record(tx, {
            orgId: null,
            actor: { type: 'user', id: userId },
            action: 'job.board_action',
            target: { type: 'queue_board', id: request.url.slice(queueBoardPath.length) || '/' },
            after: { method: request.method, path: request.url },
            context: requestContextOf(request),
          }),
        );
      } catch (error) {
        request.log.error({ err: error }, 'queue board: audit entry not written');
      }
    });

    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(queueBoardPath);
    createBullBoard({
      queues: queues.map((queue) => new BullMQAdapter(queue)),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Corebase queues' } },
    });
    await app.register(serverAdapter.registerPlugin(), { prefix: queueBoardPath });
  };
}
