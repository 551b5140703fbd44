import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '#server/platform/errors';
import { contentDispositionOf, type UrlSigner } from '#server/platform/storage/signed-urls';
import type { FileStorage } from '#server/platform/storage/storage';

const ZFileQuery = z.object({
  expires: z.string().max(20),
  name: z.string().min(1).max(300),
  signature: z.string().max(100),
});

/** What the stored files are (reports.service.ts writes them). */
const fileContentTypes = ['text/csv', 'application/pdf'];
// Documented as binary; typed loosely, as the handler sends the stored stream as it is.
const ZFileBody = z.any().meta({ type: 'string', format: 'binary' });

/**
 * Downloads through signed links (the local stand-in for S3 presigned URLs): the signature is
 * the credential, so no session is needed and a link works from a mail client or `curl`.
 */
export function fileRoutes(deps: {
  storage: FileStorage;
  signer: Pick<UrlSigner, 'verify'>;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/files/*',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['files'],
          operationId: 'downloadFile',
          description:
            'The signature in the link is the credential: no session needed. A changed or expired link answers 403, a file gone 404. The path may contain slashes.',
          summary:
            'Download a file through a signed link an API answer gave out (a ready report’s downloadUrl).',
          querystring: ZFileQuery,
          response: {
            200: {
              description:
                'The file itself, as stored: a report is CSV or PDF. Sent as an attachment under the `name` of the link (Content-Disposition), never cached.',
              // Bytes, not JSON: Fastify does not serialize the stream the handler sends.
              content: Object.fromEntries(
                fileContentTypes.map((type) => [type, { schema: ZFileBody }]),
              ),
            },
          },
        },
      },
      async (request, reply) => {
        const key = (request.params as { '*': string })['*'];
        const { expires, name, signature } = request.query;
        const verdict = deps.signer.verify({ key, expires, fileName: name, signature });
        if (verdict === 'invalid') {
          throw new AppError(
            'forbidden',
            'This download link is not valid (changed or cut short). Open the report again for a new link.',
          );
        }
        if (verdict === 'expired') {
          throw new AppError(
            'forbidden',
            'This download link has expired. Open the report again for a new link.',
          );
        }
        const file = await deps.storage.get(key);
        if (!file) {
          throw new AppError(
            'not_found',
            'This file is gone: reports are deleted when they expire.',
          );
        }
        return reply
          .header('content-type', file.contentType)
          .header('content-length', String(file.sizeBytes))
          .header('content-disposition', contentDispositionOf(name))
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff')
          .send(file.body);
      },
    );
  };
}
