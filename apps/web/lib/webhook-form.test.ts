import { describe, expect, it } from 'vitest';

import {
  describeDelivery,
  describeDisabled,
  describeEventTypes,
  formatBody,
  formErrorsOf,
  parseCreateWebhook,
  parseOverlapHours,
  parseUpdateWebhook,
} from './webhook-form';

describe('parseCreateWebhook', () => {
  it('sends every event type as an empty list, the URL and description trimmed', () => {
    expect(
      parseCreateWebhook({
        url: ' https://example.com/hooks ',
        description: ' CRM ',
        chooseTypes: false,
        eventTypes: ['organization.settings_updated'],
      }),
    ).toEqual({
      ok: true,
      body: { url: 'https://example.com/hooks', description: 'CRM', eventTypes: [], enabled: true },
    });
  });

  it('sends the chosen types', () => {
    const parsed = parseCreateWebhook({
      url: 'https://example.com/hooks',
      description: '',
      chooseTypes: true,
      eventTypes: ['organization.settings_updated'],
    });
    expect(parsed.ok && parsed.body.eventTypes).toEqual(['organization.settings_updated']);
  });

  it('names each field that is wrong', () => {
    const parsed = parseCreateWebhook({
      url: 'ftp://example.com',
      description: 'x'.repeat(501),
      chooseTypes: true,
      eventTypes: [],
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual(['description', 'eventTypes', 'url']);
  });
});

describe('parseUpdateWebhook', () => {
  const endpoint = {
    url: 'https://example.com/hooks',
    description: 'CRM',
    eventTypes: [],
    enabled: false,
  };
  const unchanged = {
    url: endpoint.url,
    description: endpoint.description,
    chooseTypes: false,
    eventTypes: [],
    enabled: false,
  };

  it('sends only what changed', () => {
    expect(
      parseUpdateWebhook(
        {
          ...unchanged,
          description: ' Billing ',
          chooseTypes: true,
          eventTypes: ['organization.settings_updated'],
        },
        endpoint,
      ),
    ).toEqual({
      ok: true,
      body: { description: 'Billing', eventTypes: ['organization.settings_updated'] },
    });
    expect(parseUpdateWebhook({ ...unchanged, enabled: true }, endpoint)).toEqual({
      ok: true,
      body: { enabled: true },
    });
  });

  it('answers null when nothing changed, the same types in another order included', () => {
    expect(parseUpdateWebhook({ ...unchanged, url: ` ${endpoint.url} ` }, endpoint)).toEqual({
      ok: true,
      body: null,
    });
    expect(
      parseUpdateWebhook(
        { ...unchanged, chooseTypes: true, eventTypes: ['role.created', 'api_key.created'] },
        { ...endpoint, eventTypes: ['api_key.created', 'role.created'] },
      ),
    ).toEqual({ ok: true, body: null });
  });

  it('sends all events as an empty list, and refuses choosing types with none ticked', () => {
    expect(parseUpdateWebhook(unchanged, { ...endpoint, eventTypes: ['role.created'] })).toEqual({
      ok: true,
      body: { eventTypes: [] },
    });
    const parsed = parseUpdateWebhook({ ...unchanged, chooseTypes: true }, endpoint);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(Object.keys(parsed.errors)).toEqual(['eventTypes']);
  });

  it('names a bad URL', () => {
    const parsed = parseUpdateWebhook({ ...unchanged, url: 'not a url' }, endpoint);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(Object.keys(parsed.errors)).toEqual(['url']);
  });
});

describe('formErrorsOf', () => {
  it("keeps the server's sentence per field of the body, the first one of each", () => {
    expect(
      formErrorsOf([
        { in: 'body', field: 'url', message: 'resolves to a private address (10.0.0.1)' },
        { in: 'body', field: 'eventTypes.1', message: 'unknown event type' },
        { in: 'body', field: 'eventTypes.2', message: 'second' },
        { in: 'querystring', field: 'url', message: 'ignored' },
      ]),
    ).toEqual({
      url: 'resolves to a private address (10.0.0.1)',
      eventTypes: 'unknown event type',
    });
    expect(formErrorsOf(undefined)).toEqual({});
  });
});

describe('parseOverlapHours', () => {
  it('takes whole hours from 0 to 168', () => {
    expect(parseOverlapHours(' 24 ')).toBe(24);
    expect(parseOverlapHours('0')).toBe(0);
    expect(parseOverlapHours('169')).toBeNull();
    expect(parseOverlapHours('1.5')).toBeNull();
    expect(parseOverlapHours('')).toBeNull();
  });
});

describe('descriptions', () => {
  it('reads an empty type list as all events', () => {
    expect(describeEventTypes([])).toBe('All events');
    expect(describeEventTypes(['a', 'b'])).toBe('a, b');
  });

  it('says why an endpoint is off', () => {
    expect(describeDisabled({ enabled: true, disabledReason: null })).toBeNull();
    expect(describeDisabled({ enabled: false, disabledReason: 'failing' })).toMatch(/too long/);
    expect(describeDisabled({ enabled: false, disabledReason: 'disabled by a person' })).toBe(
      'Disabled by a person.',
    );
    expect(describeDisabled({ enabled: false, disabledReason: null })).toBe('Disabled.');
  });

  it('describes a delivery by status, attempts and last answer', () => {
    expect(describeDelivery({ status: 'succeeded', attempts: 2, lastStatus: 200 })).toBe(
      'Succeeded after 2 attempts, last answer 200',
    );
    expect(describeDelivery({ status: 'pending', attempts: 0, lastStatus: null })).toBe('Pending');
    expect(describeDelivery({ status: 'failed', attempts: 1, lastStatus: null })).toBe(
      'Failed after 1 attempt',
    );
  });

  it('indents JSON bodies and leaves others alone', () => {
    expect(formatBody('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(formatBody('oops')).toBe('oops');
    expect(formatBody(null)).toBe('(empty)');
  });
});
