import type { IncomingMessage, ServerResponse } from 'node:http';
import { problemContentType, problemDocument } from '#server/platform/http/problem';

export type TWebBodyLimit = {
  /** Whether the body was refused (413 or a cut connection): the page's own failure is ours. */
  readonly refused: boolean;
};

/**
 * BODY_LIMIT_BYTES for web paths, whose bodies Next.js reads from the raw request (Fastify's
 * limit never sees them). A declared Content-Length over the limit is answered 413 at once,
 * unread. A body of unknown length is counted as Node's HTTP parser hands it over: every chunk
 * goes through the request's `push`, whoever reads it and however (a 'data' listener, `read()`,
 * a pipe), so counting there neither takes chunks from Next nor changes the stream's mode, as a
 * listener of our own would. Past the limit the request is cut off: 413 when no answer has begun,
 * and the connection closes.
 */
export function limitWebBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  requestId: string,
): TWebBodyLimit {
  let refused = false;
  const refuse = () => {
    refused = true;
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    const body = JSON.stringify(
      problemDocument(
        'payload_too_large',
        `The request body is larger than this server accepts (BODY_LIMIT_BYTES, ${limit} bytes).`,
        { instance: req.url?.split('?', 1)[0], requestId },
      ),
    );
    // Connection: close makes Node close the socket once this is out, the rest unread.
    res.writeHead(413, {
      'content-type': problemContentType,
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  };

  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    refuse();
    return { refused };
  }

  let received = 0;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (refused) return false;
    if (chunk !== null && chunk !== undefined) {
      received += (chunk as Buffer | string).length;
      if (received > limit) {
        refuse();
        // false: the parser stops reading the socket.
        return false;
      }
    }
    return push(chunk, encoding);
  };
  // A body the page left unread is drained by Node after the answer, to keep the connection, and
  // no longer through `push`: one of unknown length would be read whole, uncounted. Its
  // connection closes instead.
  res.once('finish', () => {
    if (!req.complete && declared === undefined) req.socket.destroySoon();
  });
  return {
    get refused() {
      return refused;
    },
  };
}
