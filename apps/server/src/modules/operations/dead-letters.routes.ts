import {
  ZDeadLetter,
  ZDeadLetterIds,
  ZDeadLetterOutcome,
  ZDeadLetterPage,
  ZDeadLetterParams,
  ZListDeadLettersQuery,
  type TDeadLetterView,
} from '@corebase/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type {
  DeadLettersService,
  TOperator,
} from '#server/modules/operations/dead-letters.service';
import { AppError } from '#server/platform/errors';
import { decodeCursor, encodeCursor } from '#server/platform/http/cursor';
import type { TDeadLetter } from '#server/platform/jobs/dead-letters';
import { requestContextOf } from '#server/platform/http/request-context';

const present = (row: TDeadLetter): TDeadLetterView => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
});

const beforeOf = (cursor: string) => {
  const { at, id } = decodeCursor(cursor);
  return { createdAt: at, id };
};

const operatorOf = (request: FastifyRequest): TOperator => ({
  userId: request.principal!.userId,
  context: requestContextOf(request),
});

/** Dead letters for platform superadmins: list, inspect, retry and discard, one or many. */
export function deadLetterRoutes(deps: { deadLetters: DeadLettersService }): FastifyPluginAsyncZod {
  const { deadLetters } = deps;
  const config = { permission: 'superadmin' as const, sessionOnly: true };
  return async (app) => {
    app.get(
      '/v1/admin/dead-letters',
      {
        config,
        schema: {
          tags: ['operations'],
          operationId: 'listDeadLetters',
          description:
            'Failed jobs kept for inspection, optionally of one job name, paged with `cursor`.',
          summary: 'Jobs that used up their attempts, newest first (superadmins).',
          querystring: ZListDeadLettersQuery,
          response: { 200: ZDeadLetterPage },
        },
      },
      async (request) => {
        const { name, limit, cursor } = request.query;
        const rows = await deadLetters.list(operatorOf(request), {
          ...(name ? { name } : {}),
          ...(cursor ? { before: beforeOf(cursor) } : {}),
          limit: limit + 1,
        });
        const page = rows.slice(0, limit);
        return {
          data: page.map(present),
          nextCursor:
            rows.length > limit ? encodeCursor(page.at(-1)!.createdAt, page.at(-1)!.id) : null,
        };
      },
    );
    app.get(
      '/v1/admin/dead-letters/:id',
      {
        config,
        schema: {
          tags: ['operations'],
          operationId: 'getDeadLetter',
          description: 'What is needed to decide between retrying and discarding a failed job.',
          summary: 'One dead letter: payload, error, stack and every attempt (superadmins).',
          params: ZDeadLetterParams,
          response: { 200: ZDeadLetter },
        },
      },
      async (request) => {
        const row = await deadLetters.get(operatorOf(request), request.params.id);
        if (!row) throw new AppError('not_found', 'No dead letter with this id.');
        return present(row);
      },
    );
    app.post(
      '/v1/admin/dead-letters/retry',
      {
        config,
        schema: {
          tags: ['operations'],
          operationId: 'retryDeadLetters',
          description:
            'Answers which ids were enqueued again (with the new job ids) and which were skipped, and why.',
          summary:
            'Runs dead letters again as new jobs, their attempts starting over (superadmins).',
          body: ZDeadLetterIds,
          response: { 200: ZDeadLetterOutcome },
        },
      },
      async (request) => deadLetters.retry(operatorOf(request), request.body.ids),
    );
    app.post(
      '/v1/admin/dead-letters/discard',
      {
        config,
        schema: {
          tags: ['operations'],
          operationId: 'discardDeadLetters',
          description: 'Answers which ids were discarded and which were skipped, and why.',
          summary: 'Removes dead letters without running them again (superadmins).',
          body: ZDeadLetterIds,
          response: { 200: ZDeadLetterOutcome },
        },
      },
      async (request) => deadLetters.discard(operatorOf(request), request.body.ids),
    );
  };
}
