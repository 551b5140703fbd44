import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeRabbitmq, testServerUrls } from '#test/services';
import {
  createAmqpPublisher,
  type TAmqpPublisher,
  type TAmqpPublisherOptions,
  type TStreamedEvent,
} from './amqp-publisher';

const rabbitmqUrl = testServerUrls.rabbitmq;
const rabbitmqAvailable = await probeRabbitmq();

/** Every exchange this file declares starts with this, and afterAll deletes them. */
const runId = randomBytes(4).toString('hex');
let exchangeCounter = 0;
const nextExchange = () => `cbtest.events.${runId}.${++exchangeCounter}`;

type TLogLine = { level: number; msg: string; err?: { message: string } };

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let eventCounter = 0;
function makeEvent(name: string, overrides: Partial<TStreamedEvent> = {}): TStreamedEvent {
  return {
    id: `evt_${runId}_${++eventCounter}`,
    name,
    version: 1,
    orgId: 'org_1',
    payload: { n: eventCounter },
    createdAt: '2026-03-04T05:06:07.890Z',
    ...overrides,
  };
}

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.runIf(rabbitmqAvailable)('AMQP publisher', () => {
  let admin: ChannelModel;
  let adminChannel: Channel;
  const exchanges: string[] = [];
  const publishers: TAmqpPublisher[] = [];

  /** A publisher on a fresh exchange, with its log lines and the connections it opened. */
  function setup(options: Partial<TAmqpPublisherOptions> = {}) {
    const exchange = options.exchange ?? nextExchange();
    exchanges.push(exchange);
    const logs: TLogLine[] = [];
    const connections: ChannelModel[] = [];
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => void logs.push(JSON.parse(line) as TLogLine) },
    );
    const publisher = createAmqpPublisher({
      url: rabbitmqUrl,
      logger,
      connectTimeoutMs: 2_000,
      onConnection: (connection) => connections.push(connection),
      ...options,
      exchange,
    });
    publishers.push(publisher);
    return { publisher, exchange, logs, connections };
  }

  /** A temporary exclusive queue bound to the exchange, collecting what it receives. */
  async function bindQueue(exchange: string, pattern: string) {
    const { queue } = await adminChannel.assertQueue('', { exclusive: true, autoDelete: true });
    await adminChannel.bindQueue(queue, exchange, pattern);
    const received: ConsumeMessage[] = [];
    await adminChannel.consume(queue, (message) => void (message && received.push(message)), {
      noAck: true,
    });
    return received;
  }

  beforeAll(async () => {
    admin = await connect(rabbitmqUrl);
    adminChannel = await admin.createChannel();
  });
  afterAll(async () => {
    for (const publisher of publishers) await publisher.close();
    // Exclusive queues go with the admin connection; the durable exchanges need deleting.
    for (const exchange of exchanges) await adminChannel?.deleteExchange(exchange);
    await admin?.close();
  });

  it('routes by event name, confirms, and sends the whole event with its properties', async () => {
    const { publisher, exchange } = setup();
    await publisher.ping();
    const organizations = await bindQueue(exchange, 'organization.*');
    const everything = await bindQueue(exchange, '#');

    const role = makeEvent('role.created', { orgId: null, version: 2 });
    const organization = makeEvent('organization.created', { version: 3 });
    // Confirmed before anything is consumed: the confirm is the broker's word, not a delivery.
    await publisher.publish(role);
    await publisher.publish(organization);

    // Same channel, same queue: had role.created matched, it would have arrived first.
    await waitFor(() => organizations.length === 1 && everything.length === 2);
    const message = organizations[0]!;
    expect(message.fields).toMatchObject({ exchange, routingKey: 'organization.created' });
    expect(message.properties).toMatchObject({
      contentType: 'application/json',
      deliveryMode: 2,
      messageId: organization.id,
      type: 'organization.created',
      timestamp: Math.floor(Date.parse(organization.createdAt) / 1000),
      headers: { 'x-corebase-version': 3, 'x-corebase-org-id': 'org_1' },
    });
    expect(JSON.parse(message.content.toString('utf8'))).toEqual(organization);

    const roleMessage = everything.find((m) => m.properties.messageId === role.id)!;
    expect(roleMessage.fields.routingKey).toBe('role.created');
    expect(roleMessage.properties.headers).toEqual({
      'x-corebase-version': 2,
      'x-corebase-org-id': null,
    });
    expect(JSON.parse(roleMessage.content.toString('utf8'))).toEqual(role);
  });

  it('connects lazily on the first publish, once for concurrent publishes', async () => {
    const { publisher, exchange, connections } = setup();
    expect(connections).toHaveLength(0);
    // The exchange does not exist yet: the publisher asserts it before its first publish.
    await Promise.all(
      Array.from({ length: 10 }, () => publisher.publish(makeEvent('organization.updated'))),
    );
    expect(connections).toHaveLength(1);
    await expect(adminChannel.checkExchange(exchange)).resolves.toBeDefined();
  });

  it('reconnects on the next publish after its connection was closed', async () => {
    const { publisher, exchange, connections, logs } = setup();
    await publisher.ping();
    const received = await bindQueue(exchange, '#');
    await publisher.publish(makeEvent('organization.created'));

    await connections[0]!.close();
    await publisher.publish(makeEvent('organization.updated'));

    expect(connections).toHaveLength(2);
    await waitFor(() => received.length === 2);
    expect(logs.some((line) => line.msg.includes('AMQP connection closed'))).toBe(true);
  });

  it('logs a dropped connection, fails the publish in flight, and reconnects', async () => {
    const { publisher, exchange, connections, logs } = setup();
    await publisher.ping();
    const received = await bindQueue(exchange, '#');

    const inFlight = publisher.publish(makeEvent('organization.created'));
    // A network failure, not a clean AMQP close: the socket errors under amqplib.
    const socket = (connections[0]!.connection as unknown as { stream: net.Socket }).stream;
    socket.destroy(new Error('simulated network failure'));
    await expect(inFlight).rejects.toThrow(/did not confirm event .* \(organization\.created\)/);
    await waitFor(() => logs.some((line) => line.msg === 'AMQP connection error'));
    expect(logs.find((line) => line.msg === 'AMQP connection error')?.err?.message).toBe(
      'simulated network failure',
    );

    const after = makeEvent('organization.updated');
    await publisher.publish(after);
    expect(connections).toHaveLength(2);
    await waitFor(() => received.some((m) => m.properties.messageId === after.id));
  });

  it('rejects a publish to an exchange deleted under it, then re-asserts it', async () => {
    const { publisher, exchange, connections } = setup();
    await publisher.ping();
    await adminChannel.deleteExchange(exchange);

    await expect(publisher.publish(makeEvent('organization.created'))).rejects.toThrow(
      /404 \(NOT-FOUND\).*no exchange/,
    );
    await publisher.publish(makeEvent('organization.created'));

    // Only the channel died (a channel error); the connection carried the new one.
    expect(connections).toHaveLength(1);
    await expect(adminChannel.checkExchange(exchange)).resolves.toBeDefined();
    const received = await bindQueue(exchange, 'organization.*');
    await publisher.publish(makeEvent('organization.deleted'));
    await waitFor(() => received.length === 1);
  });

  it('ping() fails fast with a clear message when nothing listens', async () => {
    const port = await freePort();
    const { publisher } = setup({
      url: `amqp://guest:secret@127.0.0.1:${port}`,
      connectTimeoutMs: 500,
    });
    const started = Date.now();
    const error = await publisher.ping().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error?.message).toMatch(
      new RegExp(`^Cannot connect to RabbitMQ at amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${port}`),
    );
    expect(error?.message).toContain('ECONNREFUSED');
    expect(error?.message).not.toContain('secret');
  });

  it('ping() gives up after connectTimeoutMs on a server that never answers', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const { publisher } = setup({ url: `amqp://127.0.0.1:${port}`, connectTimeoutMs: 300 });
      const started = Date.now();
      await expect(publisher.ping()).rejects.toThrow(
        /RabbitMQ at amqp:\/\/127\.0\.0\.1:\d+.*(did not answer within 300 ms|ETIMEDOUT)/,
      );
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(1_500);
      await publisher.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('close() waits for pending confirms, is idempotent, and refuses later publishes', async () => {
    const { publisher, exchange } = setup();
    await publisher.ping();
    const received = await bindQueue(exchange, '#');

    const pending = Array.from({ length: 20 }, () =>
      publisher.publish(makeEvent('organization.created')),
    );
    const closed = publisher.close();
    expect(publisher.close()).toBe(closed);
    await closed;
    // Every publish already sent was confirmed before close() resolved.
    const results = await Promise.allSettled(pending);
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    await waitFor(() => received.length === 20);

    await expect(publisher.publish(makeEvent('organization.created'))).rejects.toThrow(
      'AMQP publisher is closed',
    );
    await expect(publisher.ping()).rejects.toThrow('AMQP publisher is closed');
    await publisher.close();
  });

  it('close() on a publisher that never connected resolves without connecting', async () => {
    const { publisher, connections } = setup();
    await publisher.close();
    await publisher.close();
    expect(connections).toHaveLength(0);
  });
});
