import { randomBytes } from 'node:crypto';
import { connect, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';
import { probeRabbitmq, testServerUrls } from '#test/services';

const rabbitmqAvailable = await probeRabbitmq();

describe.runIf(rabbitmqAvailable).each(testBackends())(
  'domain events streamed to RabbitMQ on %s',
  (backend) => {
    const exchange = `cbtest.stream.${randomBytes(4).toString('hex')}`;
    let t: TTestApp;
    let world: TWorld;

    beforeAll(async () => {
      t = await createTestApp(backend, {
        env: {
          AMQP_URL: testServerUrls.rabbitmq,
          AMQP_EXCHANGE: exchange,
          RATE_LIMIT_MAX: '100000',
          RATE_LIMIT_AUTH_MAX: '100000',
        },
      });
      world = await buildWorld(t, `stream-${backend}`);
    });
    afterAll(async () => {
      await t?.close();
      const connection = await connect(testServerUrls.rabbitmq);
      const channel = await connection.createChannel();
      await channel.deleteExchange(exchange);
      await connection.close();
    });

    it('publishes every committed event to the topic exchange, routed by its name', async () => {
      const connection = await connect(testServerUrls.rabbitmq);
      try {
        const channel = await connection.createChannel();
        await channel.assertExchange(exchange, 'topic', { durable: true });
        const { queue } = await channel.assertQueue('', { exclusive: true });
        await channel.bindQueue(queue, exchange, 'organization.*');
        const received: ConsumeMessage[] = [];
        await channel.consume(queue, (message) => message && received.push(message), {
          noAck: true,
        });

        const changed = await t.app.inject({
          method: 'PATCH',
          url: '/v1/organization/settings',
          headers: world.personas.owner.headers,
          payload: { auditRetentionDays: 120 },
        });
        expect(changed.statusCode, changed.body).toBe(200);
        const queueDriver = t.services.jobs as ReturnType<typeof createInlineQueue>;
        await t.services.dispatcher.drain();
        await queueDriver.drain();

        const deadline = Date.now() + 10_000;
        const settings = () =>
          received.filter((m) => m.fields.routingKey === 'organization.settings_updated');
        while (settings().length === 0) {
          if (Date.now() > deadline) throw new Error('no organization.settings_updated arrived');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const [message] = settings();
        const body = JSON.parse(message!.content.toString()) as {
          id: string;
          name: string;
          version: number;
          orgId: string;
          payload: { auditRetentionDays: number };
        };
        expect(body).toMatchObject({
          name: 'organization.settings_updated',
          version: 1,
          orgId: world.orgA,
          payload: { auditRetentionDays: 120 },
        });
        expect(message!.properties.messageId).toBe(body.id);
        // Role events are published too, but this queue is bound to organization.* only.
        expect(received.every((m) => m.fields.routingKey.startsWith('organization.'))).toBe(true);
      } finally {
        await connection.close();
      }
    });
  },
);
