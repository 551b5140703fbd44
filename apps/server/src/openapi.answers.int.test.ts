import { memberTwoFactorReset } from '@corebase/contracts';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createEmailVerificationToken } from 'better-auth/api';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvents } from '#server/platform/outbox/events';
import { createTestApp, runWork, type TTestApp } from '#test/app';
import { buildWorld, type TPersonaName, type TWorld } from '#test/personas';
import { startSmtpSink, type TSmtpSink } from '#test/smtp';

type TResponse = {
  $ref?: string;
  description?: string;
  content?: Record<string, { schema?: object }>;
};

type TDocument = {
  paths: Record<string, Record<string, { responses?: Record<string, TResponse> }>>;
  components: { responses?: Record<string, TResponse> };
};

const documentId = 'https://corebase.invalid/openapi.json';

/**
 * What an OpenAPI-driven fuzzer checks of each answer: its status is documented (exactly or by
 * its range), its media type is documented for that status, and its body is valid against the
 * schema declared there. Answers the mismatches, empty when the document tells the truth.
 */
function answerChecker(document: TDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // OpenAPI's own formats: a file's bytes, and number widths (the `type` already says enough).
  for (const format of ['binary', 'int32', 'int64', 'float', 'double']) ajv.addFormat(format, true);
  // The whole document under one id, so `#/components/schemas/…` resolves inside it.
  ajv.addSchema({ ...document, $id: documentId });
  const validators = new Map<string, ValidateFunction>();
  const pointer = (...parts: string[]) =>
    parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

  return (method: string, template: string, answer: LightMyRequestResponse): string[] => {
    const name = `${method} ${template} → ${answer.statusCode}`;
    const operation = document.paths[template]?.[method.toLowerCase()];
    if (!operation) return [`${name}: not in the document`];
    const status = String(answer.statusCode);
    const statusKey = [status, `${status[0]}XX`, 'default'].find(
      (key) => operation.responses?.[key] !== undefined,
    );
    if (!statusKey) return [`${name}: status not documented`];
    let response = operation.responses![statusKey]!;
    let at = `#/${pointer('paths', template, method.toLowerCase(), 'responses', statusKey)}`;
    if (response.$ref) {
      at = response.$ref;
      response = document.components.responses?.[response.$ref.split('/').pop()!] ?? {};
    }
    const mediaType = String(answer.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (!response.content) {
      return answer.body === '' ? [] : [`${name}: a body (${mediaType}), none documented`];
    }
    const media = response.content[mediaType];
    if (!media) {
      return [
        `${name}: ${mediaType || 'no content type'}, documented ${Object.keys(response.content).join(', ')}`,
      ];
    }
    if (!media.schema || !/[/+]json$/.test(mediaType)) return [];
    const schemaAt = `${at}/${pointer('content', mediaType, 'schema')}`;
    let validate = validators.get(schemaAt);
    if (!validate) {
      validate = ajv.getSchema(`${documentId}${schemaAt}`)!;
      validators.set(schemaAt, validate);
    }
    if (validate(answer.json())) return [];
    return validate.errors!.map(
      (error) =>
        `${name}: ${error.instancePath || '(body)'} ${error.message} (${error.schemaPath} ${JSON.stringify(error.params)})`,
    );
  };
}

describe('the answers of the server, against its OpenAPI document', () => {
  let t: TTestApp;
  let world: TWorld;
  let smtp: TSmtpSink;
  let check: ReturnType<typeof answerChecker>;
  const ids = {} as Record<
    'role' | 'webhook' | 'delivery' | 'report' | 'invitation' | 'download',
    string
  >;

  const call = (persona: TPersonaName, method: string, url: string, payload?: object) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: world.personas[persona].headers,
      ...(payload ? { payload } : {}),
    });
  const made = async (persona: TPersonaName, url: string, payload: object) => {
    const answer = await call(persona, 'POST', url, payload);
    expect(answer.statusCode, `${url}: ${answer.body}`).toBeLessThan(300);
    return answer.json<{ id: string }>();
  };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp('pglite', {
      env: {
        SMTP_URL: smtp.url,
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '100000',
      },
    });
    world = await buildWorld(t, 'openapi-answers');
    check = answerChecker(t.app.swagger() as unknown as TDocument);

    // Something in every list, so the items are checked too.
    ids.role = world.customRoleId;
    ids.invitation = (
      await made('owner', '/v1/auth/organization/invite-member', {
        email: 'invited-openapi@example.com',
        role: 'member',
      })
    ).id;
    await made('owner', '/v1/api-keys', { name: 'Reporting', permissions: ['audit:read'] });
    ids.webhook = (
      await made('owner', '/v1/webhooks', {
        url: 'http://127.0.0.1:9/hook',
        eventTypes: ['organization.settings_updated'],
      })
    ).id;
    ids.report = (await made('owner', '/v1/reports', { kind: 'members', format: 'csv' })).id;
    const { orgA, personas } = world;
    await t.services.tenancy.withTenant(orgA, (tx) =>
      createEvents().emit(tx, memberTwoFactorReset, {
        organizationId: orgA,
        userId: personas.owner.userId!,
        byUserId: personas.admin.userId!,
      }),
    );
    // A settings change the webhook listens to: a delivery (failing, nobody listens on :9).
    const settings = await call('owner', 'PATCH', '/v1/organization/settings', {
      auditRetentionDays: 60,
    });
    expect(settings.statusCode, settings.body).toBe(200);
    await runWork(t);
    const deliveries = (await call('owner', 'GET', `/v1/webhooks/${ids.webhook}/deliveries`)).json<{
      data: { id: string }[];
    }>();
    ids.delivery = deliveries.data[0]!.id;
    const report = (await call('owner', 'GET', `/v1/reports/${ids.report}`)).json<{
      downloadUrl: string | null;
    }>();
    const { pathname, search } = new URL(report.downloadUrl!);
    ids.download = `${pathname}${search}`;
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('documents the status, media type and body of each success answer', async () => {
    const calls: [TPersonaName, string, string][] = [
      ['anonymous', '/health/live', '/health/live'],
      ['anonymous', '/health/ready', '/health/ready'],
      ['anonymous', '/v1/meta', '/v1/meta'],
      ['owner', '/v1/session/csrf-token', '/v1/session/csrf-token'],
      ['anonymous', '/.well-known/jwks.json', '/.well-known/jwks.json'],
      ['anonymous', '/v1/auth/providers', '/v1/auth/providers'],
      ['owner', '/v1/organization', '/v1/organization'],
      ['owner', '/v1/organization/settings', '/v1/organization/settings'],
      ['owner', '/v1/roles', '/v1/roles'],
      ['owner', '/v1/roles/{id}', `/v1/roles/${ids.role}`],
      ['owner', '/v1/api-keys', '/v1/api-keys'],
      ['owner', '/v1/audit-log', '/v1/audit-log'],
      // A page with a next cursor.
      ['owner', '/v1/audit-log', '/v1/audit-log?limit=1'],
      ['superadmin', '/v1/admin/audit-log', '/v1/admin/audit-log'],
      ['superadmin', '/v1/admin/impersonations', '/v1/admin/impersonations'],
      ['owner', '/v1/webhooks/event-types', '/v1/webhooks/event-types'],
      ['owner', '/v1/webhooks', '/v1/webhooks'],
      ['owner', '/v1/webhooks/{id}', `/v1/webhooks/${ids.webhook}`],
      ['owner', '/v1/webhooks/{id}/deliveries', `/v1/webhooks/${ids.webhook}/deliveries`],
      [
        'owner',
        '/v1/webhooks/{id}/deliveries/{deliveryId}',
        `/v1/webhooks/${ids.webhook}/deliveries/${ids.delivery}`,
      ],
      ['superadmin', '/v1/admin/dead-letters', '/v1/admin/dead-letters'],
      ['superadmin', '/v1/admin/queues', '/v1/admin/queues'],
      ['owner', '/v1/notifications', '/v1/notifications'],
      ['owner', '/v1/notifications/unread-count', '/v1/notifications/unread-count'],
      ['owner', '/v1/notifications/preferences', '/v1/notifications/preferences'],
      ['owner', '/v1/notifications/digest', '/v1/notifications/digest'],
      ['owner', '/v1/reports/kinds', '/v1/reports/kinds'],
      ['owner', '/v1/reports', '/v1/reports'],
      ['owner', '/v1/reports/{id}', `/v1/reports/${ids.report}`],
      ['anonymous', '/v1/files/{path}', ids.download],
      ['owner', '/v1/auth/get-session', '/v1/auth/get-session'],
      ['anonymous', '/v1/auth/get-session', '/v1/auth/get-session'],
      ['owner', '/v1/auth/list-sessions', '/v1/auth/list-sessions'],
      ['owner', '/v1/auth/list-accounts', '/v1/auth/list-accounts'],
      ['anonymous', '/v1/auth/ok', '/v1/auth/ok'],
      ['owner', '/v1/auth/organization/list', '/v1/auth/organization/list'],
      ['owner', '/v1/auth/organization/get-organization', '/v1/auth/organization/get-organization'],
      [
        'owner',
        '/v1/auth/organization/get-full-organization',
        '/v1/auth/organization/get-full-organization',
      ],
      ['owner', '/v1/auth/organization/list-members', '/v1/auth/organization/list-members'],
      [
        'owner',
        '/v1/auth/organization/list-members',
        '/v1/auth/organization/list-members?limit=2&offset=1&sortBy=createdAt&sortDirection=desc',
      ],
      [
        'owner',
        '/v1/auth/organization/get-active-member',
        '/v1/auth/organization/get-active-member',
      ],
      [
        'owner',
        '/v1/auth/organization/get-active-member-role',
        '/v1/auth/organization/get-active-member-role',
      ],
      ['owner', '/v1/auth/organization/list-invitations', '/v1/auth/organization/list-invitations'],
      [
        'owner',
        '/v1/auth/organization/list-user-invitations',
        '/v1/auth/organization/list-user-invitations',
      ],
      ['anonymous', '/v1/auth/jwks', '/v1/auth/jwks'],
      ['owner', '/v1/auth/token', '/v1/auth/token'],
    ];
    const wrong: string[] = [];
    for (const [persona, template, url] of calls) {
      const answer = await call(persona, 'GET', url);
      if (answer.statusCode >= 300) {
        wrong.push(`GET ${url} as ${persona}: ${answer.statusCode} ${answer.body}`);
        continue;
      }
      wrong.push(...check('GET', template, answer));
    }
    expect(wrong).toEqual([]);
  });

  it('documents the status, media type and body of the answers to writes', async () => {
    const members = (await call('owner', 'GET', '/v1/auth/organization/list-members')).json<{
      members: { id: string; userId: string }[];
    }>().members;
    const viewerMember = members.find((m) => m.userId === world.personas.viewer.userId)!.id;
    const posts: [TPersonaName, string, object][] = [
      [
        'anonymous',
        '/v1/auth/sign-up/email',
        { name: 'New', email: 'new-openapi@example.com', password: 'new password 1234' },
      ],
      [
        'anonymous',
        '/v1/auth/sign-in/email',
        { email: 'owner-openapi-answers@example.com', password: 'owner password 1234' },
      ],
      ['owner', '/v1/auth/update-user', { name: 'Owner Renamed' }],
      ['owner', '/v1/auth/organization/create', { name: 'Org C', slug: 'org-c-openapi' }],
      ['owner', '/v1/auth/organization/set-active', { organizationId: world.orgA }],
      ['owner', '/v1/auth/organization/update', { data: { name: 'Org A2' } }],
      ['owner', '/v1/auth/organization/check-slug', { slug: 'free-slug-x' }],
      ['owner', '/v1/auth/organization/has-permission', { permissions: { member: ['create'] } }],
      ['owner', '/v1/auth/organization/cancel-invitation', { invitationId: ids.invitation }],
      ['owner', '/v1/auth/revoke-other-sessions', {}],
      ['owner', '/v1/auth/verify-password', { password: 'owner password 1234' }],
      [
        'owner',
        '/v1/auth/organization/invite-member',
        { email: 'second-openapi@example.com', role: 'viewer' },
      ],
      [
        'owner',
        '/v1/auth/organization/update-member-role',
        { memberId: viewerMember, role: 'member' },
      ],
      [
        'viewer',
        '/v1/auth/change-password',
        { currentPassword: 'viewer password 1234', newPassword: 'viewer password 5678' },
      ],
      [
        'viewer',
        '/v1/auth/send-verification-email',
        { email: 'viewer-openapi-answers@example.com' },
      ],
      ['custom', '/v1/auth/organization/leave', { organizationId: world.orgA }],
      ['member', '/v1/auth/revoke-sessions', {}],
      ['owner', '/v1/auth/two-factor/enable', { password: 'owner password 1234' }],
      ['owner', '/v1/auth/two-factor/get-totp-uri', { password: 'owner password 1234' }],
      ['owner', '/v1/roles', { name: 'tmp-role', permissions: ['organization:read'] }],
      ['owner', '/v1/webhooks', { url: 'http://127.0.0.1:9/other' }],
      ['owner', '/v1/api-keys', { name: 'Other', permissions: ['audit:read'] }],
      ['owner', '/v1/notifications/read-all', {}],
      ['owner', '/v1/reports', { kind: 'members', format: 'pdf' }],
      [
        'anonymous',
        '/v1/auth/request-password-reset',
        { email: 'owner-openapi-answers@example.com' },
      ],
    ];
    const wrong: string[] = [];
    for (const [persona, url, body] of posts) {
      const answer = await call(persona, 'POST', url, body);
      if (answer.statusCode >= 300) wrong.push(`POST ${url}: ${answer.statusCode} ${answer.body}`);
      else wrong.push(...check('POST', url, answer));
    }
    expect(wrong).toEqual([]);
  });

  it('accepts each value the document allows for the paging, sorting and filter of list-members, and refuses a filter that does not fit with a 400', async () => {
    const document = t.app.swagger() as unknown as {
      paths: Record<
        string,
        { get: { parameters: { name: string; schema: { enum?: string[] } }[] } }
      >;
    };
    const parameters = document.paths['/v1/auth/organization/list-members']!.get.parameters;
    const allowed = (name: string) =>
      parameters.find((parameter) => parameter.name === name)?.schema.enum ?? [];
    const valueOf: Record<string, string> = {
      role: 'owner',
      userId: world.personas.owner.userId!,
    };
    const filters = allowed('filterField').flatMap((field) =>
      allowed('filterOperator')
        .filter((operator) => operator !== 'contains' || field === 'role')
        .map((operator) => {
          const value = encodeURIComponent(valueOf[field]!);
          const values =
            operator === 'in'
              ? `filterValue=${value}&filterValue=${value}`
              : `filterValue=${value}`;
          return `filterField=${field}&filterOperator=${operator}&${values}`;
        }),
    );
    const queries = [
      ...allowed('sortBy').flatMap((field) =>
        allowed('sortDirection').map((direction) => `sortBy=${field}&sortDirection=${direction}`),
      ),
      ...filters,
    ];
    expect(filters.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const query of queries) {
      const answer = await call('owner', 'GET', `/v1/auth/organization/list-members?${query}`);
      if (answer.statusCode !== 200) wrong.push(`${query}: ${answer.statusCode} ${answer.body}`);
      else wrong.push(...check('GET', '/v1/auth/organization/list-members', answer));
    }
    // better-auth hands these to PostgreSQL as they come: a 500 there.
    for (const query of [
      `filterField=createdAt&filterValue=${encodeURIComponent(new Date().toISOString())}`,
      'filterField=userId&filterValue=owner',
      'filterField=role&filterOperator=in&filterValue=owner',
      'filterField=role&filterOperator=eq&filterValue=owner&filterValue=admin',
      'filterField=userId&filterOperator=contains&filterValue=abc',
    ]) {
      const answer = await call('owner', 'GET', `/v1/auth/organization/list-members?${query}`);
      if (answer.statusCode !== 400) wrong.push(`${query}: ${answer.statusCode}, not 400`);
      else wrong.push(...check('GET', '/v1/auth/organization/list-members', answer));
    }
    expect(wrong).toEqual([]);
  });

  it("documents the session answer of an impersonated user, and the impersonation's", async () => {
    const started = await call('superadmin', 'POST', '/v1/admin/impersonation', {
      userId: world.personas.member.userId,
      reason: 'Checking the OpenAPI document',
    });
    expect(started.statusCode, started.body).toBe(201);
    const { token } = started.json<{ token: string }>();
    const session = await t.app.inject({
      url: '/v1/auth/get-session',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(session.json()).toHaveProperty('impersonation');
    expect([
      ...check('POST', '/v1/admin/impersonation', started),
      ...check('GET', '/v1/auth/get-session', session),
    ]).toEqual([]);
  });

  it('documents the redirects of the links people open from their mail, and no POST get-session', async () => {
    // A verification link for an address already verified: 200 with user null; with a
    // callbackURL, a redirect there.
    const token = await createEmailVerificationToken(
      t.config.AUTH_SECRET,
      'owner-openapi-answers@example.com',
    );
    const verified = await call('anonymous', 'GET', `/v1/auth/verify-email?token=${token}`);
    const redirected = await call(
      'anonymous',
      'GET',
      `/v1/auth/verify-email?token=${token}&callbackURL=%2Fdone`,
    );
    const reset = await call('anonymous', 'GET', '/v1/auth/reset-password/abc?callbackURL=%2Fx');
    const error = await call('anonymous', 'GET', '/v1/auth/error?error=x');
    expect([
      verified.statusCode,
      redirected.statusCode,
      reset.statusCode,
      error.statusCode,
    ]).toEqual([200, 302, 302, 302]);
    expect([
      ...check('GET', '/v1/auth/verify-email', verified),
      ...check('GET', '/v1/auth/verify-email', redirected),
      ...check('GET', '/v1/auth/reset-password/{token}', reset),
      ...check('GET', '/v1/auth/error', error),
    ]).toEqual([]);
    // The redirect-only endpoints document no 200 they never answer.
    const document = t.app.swagger() as unknown as TDocument;
    expect(document.paths['/v1/auth/reset-password/{token}']?.get?.responses?.['200']).toBe(
      undefined,
    );
    expect(document.paths['/v1/auth/error']?.get?.responses?.['200']).toBe(undefined);
    // better-auth refuses a POST to get-session as configured: neither served nor documented.
    expect(document.paths['/v1/auth/get-session']?.post).toBe(undefined);
    expect((await call('owner', 'POST', '/v1/auth/get-session', {})).statusCode).toBe(405);
  });

  it('answers a 401 and a 404 as the Problem the document declares', async () => {
    const unauthorized = await call('anonymous', 'GET', '/v1/roles');
    expect(unauthorized.statusCode).toBe(401);
    const notFound = await call('owner', 'GET', `/v1/webhooks/${crypto.randomUUID()}`);
    expect(notFound.statusCode).toBe(404);
    expect([
      ...check('GET', '/v1/roles', unauthorized),
      ...check('GET', '/v1/webhooks/{id}', notFound),
    ]).toEqual([]);
    expect(notFound.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
