import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';

/** A domain event as it leaves for the broker: the outbox row, minus delivery bookkeeping. */
export type TStreamedEvent = {
  id: string;
  name: string;
  version: number;
  orgId: string | null;
  payload: unknown;
  /** ISO 8601. */
  createdAt: string;
};

export type TAmqpPublisherOptions = {
  /** `amqp://user:pass@host:5672/vhost`; credentials never reach the logs or error messages. */
  url: string;
  /** Topic exchange every event goes to, routed by its name (`corebase.events` in production). */
  exchange: string;
  logger: Logger;
  /** Bound on opening the connection, the confirm channel and asserting the exchange. */
  connectTimeoutMs?: number;
  /** Bound on waiting for the broker's confirm of one publish. */
  confirmTimeoutMs?: number;
  /** Test hook: sees every connection this publisher opens. */
  onConnection?: (connection: ChannelModel) => void;
};

export type TAmqpPublisher = {
  /**
   * Publishes with publisher confirms; resolves once the broker confirmed, rejects on nack, closed
   * channel or timeout, so the calling job retries. A rejected publish may still have reached the
   * broker (a confirm lost with the connection), so consumers dedupe on `messageId`.
   */
  publish(event: TStreamedEvent): Promise<void>;
  /** Connects if needed (publish does so lazily too), asserting the exchange (topic, durable). */
  ping(): Promise<void>;
  /** Idempotent; waits for the confirms of publishes already under way. */
  close(): Promise<void>;
};

const defaultConnectTimeoutMs = 5_000;
const defaultConfirmTimeoutMs = 10_000;

type TLink = {
  connection: ChannelModel;
  /** Null until opened and the exchange asserted, and again once it closed. */
  channel: ConfirmChannel | null;
  connectionClosed: boolean;
};

export function createAmqpPublisher(options: TAmqpPublisherOptions): TAmqpPublisher {
  const { exchange, logger } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? defaultConnectTimeoutMs;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? defaultConfirmTimeoutMs;
  const where = describeUrl(options.url);
  const log = logger.child({ component: 'amqp-publisher', broker: where, exchange });
  const noAnswer = () => `RabbitMQ at ${where} did not answer within ${connectTimeoutMs} ms`;

  let link: TLink | null = null;
  /**
   * The one open attempt under way, shared by every caller that needs a channel meanwhile. Each
   * caller gives up on it after connectTimeoutMs, but it is never duplicated: a second attempt
   * beside a slow one would leave one of the two connections open and unowned.
   */
  let attempt: Promise<ConfirmChannel> | null = null;
  let closing: Promise<void> | null = null;
  const inFlight = new Set<Promise<unknown>>();
  /** Why a channel closed, when the server said (404 on a deleted exchange, …). */
  const channelErrors = new WeakMap<ConfirmChannel, Error>();

  function channelFor(): Promise<ConfirmChannel> {
    if (closing) return Promise.reject(new Error('AMQP publisher is closed'));
    if (link?.channel) return Promise.resolve(link.channel);
    attempt ??= openChannel().finally(() => {
      attempt = null;
    });
    return withTimeout(attempt, connectTimeoutMs, noAnswer);
  }

  async function openChannel(): Promise<ConfirmChannel> {
    const current = link && !link.connectionClosed ? link : await openConnection();
    const channel = await current.connection.createConfirmChannel();
    watchChannel(current, channel);
    // Asserted on every new channel: it is what brings back an exchange deleted under us. The
    // channel is handed out only after, so no publish can beat the assertion.
    await channel.assertExchange(exchange, 'topic', { durable: true });
    // Publishes not yet sent when close() began are refused; close() releases the connection.
    if (closing) throw new Error('AMQP publisher is closed');
    if (current.connectionClosed) {
      throw new Error(`AMQP connection to ${where} closed while opening`);
    }
    current.channel = channel;
    return channel;
  }

  async function openConnection(): Promise<TLink> {
    let connection: ChannelModel;
    try {
      // `timeout` is amqplib's socket idle timeout, lifted once the AMQP handshake is done.
      connection = await connect(options.url, { timeout: connectTimeoutMs });
    } catch (error) {
      throw new Error(`Cannot connect to RabbitMQ at ${where}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const opened: TLink = { connection, channel: null, connectionClosed: false };
    connection.on('error', (error: Error) => {
      // Without a listener an 'error' event would be thrown out of the socket handler.
      log.warn({ err: error }, 'AMQP connection error');
    });
    connection.on('close', (error?: Error) => {
      opened.connectionClosed = true;
      opened.channel = null;
      if (link === opened) link = null;
      if (!closing) log.warn({ err: error }, 'AMQP connection closed; the next publish reconnects');
    });
    connection.on('blocked', (reason: string) => {
      log.warn({ reason }, 'RabbitMQ blocked the connection; publishes wait for its confirms');
    });
    connection.on('unblocked', () => log.info('RabbitMQ unblocked the connection'));
    if (closing) {
      await closeQuietly(connection);
      throw new Error('AMQP publisher is closed');
    }
    link = opened;
    options.onConnection?.(connection);
    return opened;
  }

  function watchChannel(owner: TLink, channel: ConfirmChannel): void {
    channel.on('error', (error: Error) => {
      channelErrors.set(channel, error);
      log.warn({ err: error }, 'AMQP channel error');
    });
    channel.on('close', () => {
      if (owner.channel === channel) owner.channel = null;
    });
  }

  async function send(event: TStreamedEvent): Promise<void> {
    const timestamp = Math.floor(Date.parse(event.createdAt) / 1000);
    if (!Number.isFinite(timestamp)) {
      throw new Error(`Event ${event.id} has an invalid createdAt: ${event.createdAt}`);
    }
    const body = Buffer.from(JSON.stringify(event));
    const channel = await channelFor();
    const failure = (reason: string, cause?: unknown) =>
      new Error(`RabbitMQ did not confirm event ${event.id} (${event.name}): ${reason}`, { cause });

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(failure(`no confirm within ${confirmTimeoutMs} ms`)),
        confirmTimeoutMs,
      );
      const settle = (error: unknown) => {
        clearTimeout(timer);
        if (!error) return resolve();
        // amqplib fails unconfirmed publishes with a bare "channel closed"; the channel's own
        // error event, emitted just before, says why (404 NOT_FOUND, 406 PRECONDITION_FAILED, …).
        const why = channelErrors.get(channel) ?? (error as Error);
        reject(failure(why.message, why));
      };
      try {
        channel.publish(
          exchange,
          event.name,
          body,
          {
            contentType: 'application/json',
            persistent: true,
            messageId: event.id,
            type: event.name,
            timestamp,
            headers: { 'x-corebase-version': event.version, 'x-corebase-org-id': event.orgId },
          },
          settle,
        );
      } catch (error) {
        // amqplib throws synchronously once the channel is closed.
        settle(error);
      }
    });
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  }

  async function shutDown(): Promise<void> {
    await Promise.allSettled([...inFlight]);
    await attempt?.catch(() => undefined);
    const last = link;
    link = null;
    if (!last || last.connectionClosed) return;
    if (last.channel) await last.channel.close().catch(() => undefined);
    await closeQuietly(last.connection);
  }

  return {
    publish(event) {
      return track(send(event));
    },
    async ping() {
      const known = link?.channel;
      const channel = await track(channelFor());
      if (channel !== known) return;
      // Already open: a round trip proves the broker still answers on it.
      await track(
        withTimeout(
          channel.assertExchange(exchange, 'topic', { durable: true }),
          connectTimeoutMs,
          noAnswer,
        ),
      );
    },
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}

async function closeQuietly(connection: ChannelModel): Promise<void> {
  // Closing a connection the broker already dropped throws; there is nothing left to release.
  await connection.close().catch(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message())), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The URL without its password, for logs and error messages. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable AMQP URL)';
  }
}
