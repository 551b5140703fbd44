import {
  ZCreateWebhookBody,
  ZRotateWebhookSecretBody,
  type TCreateWebhookBody,
  type TFieldError,
  type TWebhookDelivery,
  type TWebhookEndpoint,
} from '@corebase/contracts';

/** The endpoints page, and one endpoint's page (its delivery log). */
export const webhooksPath = '/organization/webhooks';
export const webhookPath = (id: string) => `${webhooksPath}/${encodeURIComponent(id)}`;

/** The receiver-side guide (Standard Webhooks); docs/webhooks.md has code for Node, Python, Go. */
export const standardWebhooksUrl = 'https://www.standardwebhooks.com/';

/** What anyone without webhooks:manage reads, and what a 403 from the API turns into. */
export const webhooksForbiddenMessage =
  'Only owners and admins of the organization (webhooks:manage) can manage its webhooks.';

/** The contract's limits on overlapHours, repeated for the hint and the input. */
export const overlapHours = { min: 0, max: 168, default: 24 } as const;

export type TWebhookFormInput = {
  url: string;
  description: string;
  /** false: every event type, whatever `eventTypes` holds. */
  chooseTypes: boolean;
  eventTypes: string[];
};
export type TWebhookFormField = 'url' | 'description' | 'eventTypes';
export type TWebhookFormErrors = Partial<Record<TWebhookFormField, string>>;

type TParsed = { ok: true; body: TCreateWebhookBody } | { ok: false; errors: TWebhookFormErrors };

const messages: Required<TWebhookFormErrors> = {
  url: 'Enter the full http(s) address the events are sent to, e.g. https://example.com/hooks.',
  description: 'Keep the description under 500 characters.',
  eventTypes: 'Choose at least one event type, or send all of them.',
};

/**
 * The new-endpoint form checked with the contract's own schema. "All event types" is sent as an
 * empty list; choosing types and ticking none is refused here, since the server would read it
 * as all of them.
 */
export function parseCreateWebhook(input: TWebhookFormInput): TParsed {
  const errors: TWebhookFormErrors = {};
  if (input.chooseTypes && input.eventTypes.length === 0) errors.eventTypes = messages.eventTypes;
  const result = ZCreateWebhookBody.safeParse({
    url: input.url,
    description: input.description,
    eventTypes: input.chooseTypes ? input.eventTypes : [],
    enabled: true,
  });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path[0];
      if (field === 'url' || field === 'description' || field === 'eventTypes') {
        errors[field] ??= messages[field];
      }
    }
  }
  if (Object.keys(errors).length > 0 || !result.success) return { ok: false, errors };
  return { ok: true, body: result.data };
}

/**
 * A 400's field errors, by field of this form: the server's own sentence (a refused URL says
 * why, e.g. that it resolves to a private address). `eventTypes.2` counts as `eventTypes`.
 */
export function formErrorsOf(errors: readonly TFieldError[] | undefined): TWebhookFormErrors {
  const result: TWebhookFormErrors = {};
  for (const error of errors ?? []) {
    if (error.in !== 'body') continue;
    const field = error.field.split('.', 1)[0];
    if (field === 'url' || field === 'description' || field === 'eventTypes') {
      result[field] ??= error.message;
    }
  }
  return result;
}

/** The overlap of a rotation as a whole number of hours, or null when it is not one. */
export function parseOverlapHours(value: string): number | null {
  const text = value.trim();
  if (!/^\d+$/.test(text)) return null;
  const parsed = ZRotateWebhookSecretBody.safeParse({ overlapHours: Number(text) });
  return parsed.success ? (parsed.data?.overlapHours ?? null) : null;
}

/** The types an endpoint receives, as a person reads them. */
export function describeEventTypes(eventTypes: readonly string[]): string {
  return eventTypes.length === 0 ? 'All events' : eventTypes.join(', ');
}

/** Why an endpoint is off, in a sentence; null while it is on. */
export function describeDisabled(
  endpoint: Pick<TWebhookEndpoint, 'enabled' | 'disabledReason'>,
): string | null {
  if (endpoint.enabled) return null;
  if (endpoint.disabledReason === 'failing') {
    return 'Disabled automatically: every delivery failed for too long. Fix the receiver, enable it, then replay what it missed.';
  }
  const reason = endpoint.disabledReason?.trim();
  if (!reason) return 'Disabled.';
  // The server's own reasons read as a sentence already ("disabled by a person").
  if (/^disabled\b/i.test(reason)) return `${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`;
  return `Disabled: ${reason}.`;
}

/** A delivery's state in a few words: `Succeeded (200)`, `Pending, 2 attempts so far`. */
export function describeDelivery(
  delivery: Pick<TWebhookDelivery, 'status' | 'attempts' | 'lastStatus'>,
): string {
  const attempts = `${delivery.attempts} ${delivery.attempts === 1 ? 'attempt' : 'attempts'}`;
  const last = delivery.lastStatus === null ? '' : `, last answer ${delivery.lastStatus}`;
  switch (delivery.status) {
    case 'succeeded':
      return `Succeeded after ${attempts}${last}`;
    case 'failed':
      return `Failed after ${attempts}${last}`;
    case 'pending':
      return delivery.attempts === 0 ? 'Pending' : `Pending, ${attempts} so far${last}`;
  }
}

/** A logged body: JSON indented when it is JSON, otherwise as it was. */
export function formatBody(body: string | null): string {
  if (body === null || body === '') return '(empty)';
  try {
    return JSON.stringify(JSON.parse(body) as unknown, null, 2);
  } catch {
    return body;
  }
}
