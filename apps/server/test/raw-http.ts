import net from 'node:net';

export type TRawResponse = {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
};

/**
 * One TCP connection to an HTTP server, for what a fetch client cannot do: send exact bytes
 * (malformed, slow, oversized), read the HTTP/1.1 answers in order, and see the server close it.
 */
export type TRawConnection = {
  /** Sends bytes as they are; nothing once the connection has closed. */
  send(bytes: string | Buffer): void;
  /**
   * The next answer (framed by its Content-Length), once it has arrived; null when the
   * connection closes or `timeoutMs` passes first.
   */
  response(timeoutMs?: number): Promise<TRawResponse | null>;
  /** Resolves when the server closed (or reset) the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
  close(): void;
};

export async function rawConnection(port: number): Promise<TRawConnection> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = Buffer.alloc(0);
  let closed = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake();
  });
  // A reset after the server wrote its answer still counts as the server closing it.
  socket.on('error', () => undefined);
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      wake();
      resolve();
    }),
  );

  const takeResponse = (): TRawResponse | null => {
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) return null;
    const [statusLine = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (buffered.length < end + 4 + length) return null;
    const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
    buffered = buffered.subarray(end + 4 + length);
    const status = Number(statusLine.split(' ')[1]);
    // An interim 100 Continue is not the answer.
    if (status === 100) return takeResponse();
    return { status, headers, body };
  };

  return {
    send(bytes) {
      if (!closed && socket.writable) socket.write(bytes);
    },
    response(timeoutMs = 10_000) {
      return new Promise((resolve) => {
        const check = () => {
          const response = takeResponse();
          if (response || closed) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(response);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(takeResponse());
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    closed: closedPromise,
    isClosed: () => closed,
    close: () => socket.destroy(),
  };
}

/** Calls `step` every `everyMs` until it returns false or the connection closes. */
export async function trickle(
  connection: TRawConnection,
  everyMs: number,
  step: (index: number) => boolean,
): Promise<void> {
  for (let index = 0; !connection.isClosed(); index++) {
    if (!step(index)) return;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, everyMs)), connection.closed]);
  }
}
