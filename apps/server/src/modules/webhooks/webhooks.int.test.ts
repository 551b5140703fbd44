import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pages, unwrap, type paths, type TPageItem } from '@corebase/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { webhookDeliveries, webhookEndpoints } from '#server/modules/webhooks/webhooks.schema';
import { jobs } from '#server/platform/jobs/jobs.schema';
import type { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { buildWorld, type TWorld } from '#test/personas';
import { sdkFor } from '#test/sdk';
import { startSmtpSink, type TSmtpSink } from '#test/smtp';

type TReceived = { headers: IncomingHttpHeaders; body: string };

/** A webhook receiver on loopback that answers `plan`'s statuses in turn, then 200. */
async function startReceiver() {
  const received: TReceived[] = [];
  let plan: number[] = [];
  let answerBody: string | undefined;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      const status = plan.shift() ?? 200;
      response
        .writeHead(status, { 'content-type': 'text/plain' })
        .end(answerBody ?? `answer ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer: (statuses: number[], body?: string) => {
      plan = [...statuses];
      answerBody = body;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type TPersonaName = keyof TWorld['personas'];
type TDelivery = TPageItem<'/v1/webhooks/{id}/deliveries'>;
type TCreateEndpointBody =
  paths['/v1/webhooks']['post']['requestBody']['content']['application/json'];

describe.each(testBackends())('webhooks on %s', (backend) => {
  let t: TTestApp;
  let world: TWorld;
  let smtp: TSmtpSink;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    receiver = await startReceiver();
    t = await createTestApp(backend, {
      env: {
        SMTP_URL: smtp.url,
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        // Compressed from 5 s … 10 h: every retry a few milliseconds later.
        WEBHOOK_RETRY_SCHEDULE: '1ms,1ms,1ms,1ms',
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
      },
    });
    world = await buildWorld(t, `webhooks-${backend}`);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await smtp?.close();
  });

  /** The typed client signed in as a persona. */
  const api = (persona: TPersonaName = 'owner') =>
    sdkFor(t, { headers: world.personas[persona].headers });
  const endpointPath = (id: string) => ({ params: { path: { id } } });
  const deliveryPath = (id: string, deliveryId: string) => ({
    params: { path: { id, deliveryId } },
  });

  /** What the worker role does: dispatch events, run due jobs, until nothing is left. */
  const work = async () => {
    const queue = t.services.jobs as ReturnType<typeof createInlineQueue>;
    for (let round = 0; round < 50; round++) {
      const dispatched = await t.services.dispatcher.drain();
      const ran = await queue.drain();
      if (dispatched === 0 && ran === 0) {
        // Retries wait a millisecond or two.
        await new Promise((resolve) => setTimeout(resolve, 10));
        if ((await queue.drain()) === 0 && (await t.services.dispatcher.drain()) === 0) return;
      }
    }
  };

  const createEndpoint = async (body: Partial<TCreateEndpointBody> = {}) => {
    const created = await api().POST('/v1/webhooks', { body: { url: receiver.url, ...body } });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    return created.data!;
  };

  const deliveriesOf = async (id: string) =>
    (await unwrap(api().GET('/v1/webhooks/{id}/deliveries', endpointPath(id)))).data;

  const deliveryDetail = (id: string, deliveryId: string) =>
    unwrap(api().GET('/v1/webhooks/{id}/deliveries/{deliveryId}', deliveryPath(id, deliveryId)));

  it('answers only members who manage webhooks, and hides other organizations’ endpoints', async () => {
    const endpoint = await createEndpoint({ description: 'isolation' });
    const anonymous = await sdkFor(t).GET('/v1/webhooks');
    expect(anonymous.error).toMatchObject({ status: 401, code: 'unauthenticated' });
    for (const persona of ['viewer', 'member'] as const) {
      const refused = await api(persona).GET('/v1/webhooks');
      expect(refused.error, persona).toMatchObject({ status: 403, code: 'forbidden' });
    }
    const other = await api('otherOrgOwner').GET('/v1/webhooks/{id}', endpointPath(endpoint.id));
    expect(other.response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(other.error).toMatchObject({ status: 404, code: 'not_found' });
    const theirs = await unwrap(api('otherOrgOwner').GET('/v1/webhooks'));
    expect(theirs.data).toEqual([]);
    const test = await api('otherOrgOwner').POST(
      '/v1/webhooks/{id}/test',
      endpointPath(endpoint.id),
    );
    expect(test.error).toMatchObject({ status: 404, code: 'not_found' });
    // The secret is shown once: never in a read.
    const read = await unwrap(api().GET('/v1/webhooks/{id}', endpointPath(endpoint.id)));
    expect(read).not.toHaveProperty('secret');
    // And stored encrypted.
    const [row] = await t.services.tenancy.withMaintenance((tx) =>
      tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)),
    );
    expect(row!.secret).not.toContain(endpoint.secret.slice(6));
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const removed = await api().DELETE('/v1/webhooks/{id}', endpointPath(endpoint.id));
    expect(removed.error).toBeUndefined();
    expect(removed.response.status).toBe(204);
  });

  it('refuses a bad URL, an unknown event type and an address webhooks may not reach, writing nothing', async () => {
    const before = (await unwrap(api().GET('/v1/webhooks'))).data.length;
    const cases: [TCreateEndpointBody, RegExp][] = [
      [{ url: 'not a url' }, /url/],
      [{ url: 'ftp://example.com/x' }, /url/],
      [{ url: receiver.url, eventTypes: ['no.such_event'] }, /eventTypes/],
      [{ url: 'http://10.1.2.3/hooks' }, /10\.1\.2\.3/],
      [{ url: 'http://169.254.169.254/latest/meta-data' }, /169\.254\.169\.254/],
      [{ url: 'http://[::1]:8080/' }, /::1/],
      [{ url: 'http://[fd00::1]/hooks' }, /fd00::1/],
    ];
    for (const [body, named] of cases) {
      const { error, response } = await api().POST('/v1/webhooks', { body });
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(error, JSON.stringify(body)).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(JSON.stringify(error)).toMatch(named);
    }
    const after = (await unwrap(api().GET('/v1/webhooks'))).data.length;
    expect(after).toBe(before);
  });

  it('delivers an event signed, retries a failing receiver with one webhook-id, and logs every attempt', async () => {
    const endpoint = await createEndpoint({ eventTypes: ['organization.settings_updated'] });
    receiver.received.length = 0;
    receiver.answer([500, 503, 500]);
    const changed = await api().PATCH('/v1/organization/settings', {
      body: { auditRetentionDays: 90 },
    });
    expect(changed.response.status, JSON.stringify(changed.error)).toBe(200);
    // An event of another type is not sent to this endpoint.
    await unwrap(
      api().POST('/v1/roles', {
        body: { name: `hooks-${backend}`, permissions: ['organization:read'] },
      }),
    );
    await work();

    expect(receiver.received).toHaveLength(4);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const verifier = new Webhook(endpoint.secret);
    for (const request of receiver.received) {
      const verified = verifier.verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as { type: string; data: { auditRetentionDays: number } };
      expect(verified.type).toBe('organization.settings_updated');
      expect(verified.data.auditRetentionDays).toBe(90);
    }

    const [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4 });
    expect(delivery!.messageId).toBe([...ids][0]);
    const detail = await deliveryDetail(endpoint.id, delivery!.id);
    expect(detail.attemptLog.map((a) => a.responseStatus)).toEqual([500, 503, 500, 200]);
    expect(detail.attemptLog.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(detail.attemptLog.filter((a) => a.responseStatus === 200)).toHaveLength(1);
    expect(detail.attemptLog[3]!.responseBody).toBe('answer 200');

    // Replay: the same message again, with the same webhook-id.
    const replay = await api().POST(
      '/v1/webhooks/{id}/deliveries/{deliveryId}/replay',
      deliveryPath(endpoint.id, delivery!.id),
    );
    expect(replay.response.status, JSON.stringify(replay.error)).toBe(202);
    await work();
    expect(receiver.received).toHaveLength(5);
    expect(receiver.received[4]!.headers['webhook-id']).toBe(delivery!.messageId);
    const [replayed] = await deliveriesOf(endpoint.id);
    expect(replayed).toMatchObject({ id: delivery!.id, status: 'succeeded', attempts: 5 });
  });

  it('sends a test event, signs with both secrets while a rotation overlaps, and refuses to test a disabled endpoint', async () => {
    const endpoint = await createEndpoint();
    receiver.received.length = 0;
    const rotated = await api().POST('/v1/webhooks/{id}/rotate-secret', {
      ...endpointPath(endpoint.id),
      body: { overlapHours: 1 },
    });
    expect(rotated.response.status, JSON.stringify(rotated.error)).toBe(200);
    const { secret } = rotated.data!;
    expect(secret).not.toBe(endpoint.secret);

    const test = await api().POST('/v1/webhooks/{id}/test', endpointPath(endpoint.id));
    expect(test.response.status, JSON.stringify(test.error)).toBe(202);
    await work();
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(String(request!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const headers = {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    };
    for (const key of [secret, endpoint.secret]) {
      expect(new Webhook(key).verify(request!.body, headers)).toMatchObject({
        type: 'webhook.test',
      });
    }

    const disabled = await api().PATCH('/v1/webhooks/{id}', {
      ...endpointPath(endpoint.id),
      body: { enabled: false },
    });
    expect(disabled.response.status).toBe(200);
    const before = (await deliveriesOf(endpoint.id)).length;
    const refused = await api().POST('/v1/webhooks/{id}/test', endpointPath(endpoint.id));
    expect(refused.response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.error).toMatchObject({ status: 409, code: 'conflict' });
    expect(await deliveriesOf(endpoint.id)).toHaveLength(before);
  });

  it('refuses at delivery time an address that became unsafe, and disables an endpoint failing for a day', async () => {
    const endpoint = await createEndpoint();
    receiver.received.length = 0;
    // Since it was saved, its host came to mean the cloud metadata service (DNS can change).
    await t.services.tenancy.withMaintenance((tx) =>
      tx
        .update(webhookEndpoints)
        .set({
          url: 'http://169.254.169.254/latest/meta-data',
          failingSince: new Date(Date.now() - 25 * 3_600_000),
        })
        .where(eq(webhookEndpoints.id, endpoint.id)),
    );
    await unwrap(api().POST('/v1/webhooks/{id}/test', endpointPath(endpoint.id)));
    await work();
    expect(receiver.received).toHaveLength(0);
    const [delivery] = await deliveriesOf(endpoint.id);
    const detail = await deliveryDetail(endpoint.id, delivery!.id);
    expect(detail.attemptLog[0]).toMatchObject({ responseStatus: null });
    expect(detail.attemptLog[0]!.error).toMatch(/169\.254\.169\.254/);

    // It had been failing for 25 hours: disabled after this failure, and the admins told.
    const read = await unwrap(api().GET('/v1/webhooks/{id}', endpointPath(endpoint.id)));
    expect(read).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const ownerEmail = `owner-webhooks-${backend}@example.com`;
    let mail = await smtp.waitFor(ownerEmail);
    // Earlier mail to the owner (the sign-up's confirmation) comes first.
    while (!/Webhook endpoint disabled/.test(mail.subject ?? ''))
      mail = await smtp.waitFor(ownerEmail);
    expect(mail.text).toContain('169.254.169.254');
    const rows = await t.services.tenancy.withMaintenance((tx) =>
      tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id)),
    );
    expect(rows.map((r) => r.status)).toEqual(['failed']);
  });

  it('logs an answer holding a NUL byte, and defaults a rotation without a body to a day of overlap', async () => {
    const endpoint = await createEndpoint();
    receiver.answer([200], 'ok\u0000done');
    await unwrap(api().POST('/v1/webhooks/{id}/test', endpointPath(endpoint.id)));
    await work();
    receiver.answer([]);
    const [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    const detail = await deliveryDetail(endpoint.id, delivery!.id);
    expect(detail.attemptLog[0]!.responseBody).toBe('ok\uFFFDdone');

    // No body at all (not even `null`, which is all the typed client can send here).
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${endpoint.id}/rotate-secret`,
      headers: world.personas.owner.headers,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const until = Date.parse(
      rotated.json<{ previousSecretExpiresAt: string }>().previousSecretExpiresAt,
    );
    expect(until - Date.now()).toBeGreaterThan(23 * 3_600_000);
  });

  it('fails a delivery whose job died on its last attempt, so it can be replayed', async () => {
    const endpoint = await createEndpoint();
    const test = await unwrap(api().POST('/v1/webhooks/{id}/test', endpointPath(endpoint.id)));
    // Its worker took the last attempt and died: the lease ran out.
    await t.services.tenancy.withMaintenance((tx) =>
      tx
        .update(jobs)
        .set({
          status: 'running',
          attemptsMade: sql`${jobs.maxAttempts}`,
          lockedUntil: new Date(Date.now() - 1_000),
        })
        .where(eq(jobs.dedupKey, test.id)),
    );
    await work();
    const [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery).toMatchObject({ id: test.id, status: 'failed' });
    const replay = await api().POST(
      '/v1/webhooks/{id}/deliveries/{deliveryId}/replay',
      deliveryPath(endpoint.id, test.id),
    );
    expect(replay.response.status, JSON.stringify(replay.error)).toBe(202);
  });

  it('pages through an endpoint’s deliveries, newest first, each once', async () => {
    const endpoint = await createEndpoint();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push((await unwrap(api().POST('/v1/webhooks/{id}/test', endpointPath(endpoint.id)))).id);
    }
    const seen: string[] = [];
    let pageCount = 0;
    for await (const page of pages(api(), '/v1/webhooks/{id}/deliveries', {
      params: { path: { id: endpoint.id }, query: { limit: 2 } },
    })) {
      pageCount++;
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((d) => d.id));
    }
    expect(pageCount).toBe(3);
    expect(seen).toEqual([...sent].reverse());
  });

  it('lists the event types an endpoint can subscribe to', async () => {
    const types = await unwrap(api().GET('/v1/webhooks/event-types'));
    expect(types.data.map((e) => e.name)).toContain('organization.settings_updated');
    expect(types.data.map((e) => e.name)).not.toContain('impersonation.started');
  });
});

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('webhooks through the BullMQ driver', () => {
  const prefix = `cb-webhooks-${randomBytes(4).toString('hex')}`;
  let t: TTestApp;
  let world: TWorld;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await createTestApp(testBackends().includes('postgres') ? 'postgres' : 'pglite', {
      env: {
        REDIS_URL: redisUrl!,
        JOBS_REDIS_PREFIX: prefix,
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_RETRY_SCHEDULE: '5ms,5ms,5ms',
        JOBS_POLL_MS: '20',
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
      },
    });
    world = await buildWorld(t, 'webhooks-bullmq');
    await t.services.jobs.start();
    await t.services.dispatcher.start();
  });
  afterAll(async () => {
    await t?.services.dispatcher.stop();
    await t?.close();
    await receiver?.close();
    const redis = new Redis(redisUrl!);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('retries a failing receiver with one webhook-id and valid signatures, until one success', async () => {
    const owner = sdkFor(t, { headers: world.personas.owner.headers });
    const endpoint = await unwrap(
      owner.POST('/v1/webhooks', {
        body: { url: receiver.url, eventTypes: ['organization.settings_updated'] },
      }),
    );
    receiver.answer([500, 502, 500]);
    await unwrap(owner.PATCH('/v1/organization/settings', { body: { auditRetentionDays: 60 } }));
    const deadline = Date.now() + 20_000;
    while (receiver.received.length < 4) {
      if (Date.now() > deadline) throw new Error(`only ${receiver.received.length} attempts`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const verifier = new Webhook(endpoint.secret);
    for (const request of receiver.received) {
      expect(
        verifier.verify(request.body, {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        }),
      ).toMatchObject({ type: 'organization.settings_updated' });
    }
    let delivery: TDelivery | undefined;
    while (delivery?.status !== 'succeeded') {
      if (Date.now() > deadline) throw new Error('the delivery was not marked succeeded');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const list = await unwrap(
        owner.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: endpoint.id } } }),
      );
      delivery = list.data[0];
    }
    expect(delivery.attempts).toBe(4);
    expect(receiver.received).toHaveLength(4);
  });
});
