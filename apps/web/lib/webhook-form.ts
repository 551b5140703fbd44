import {
  ZCreateWebhookBody,
  ZRotateWebhookSecretBody,
  ZUpdateWebhookBody,
  type TCreateWebhookBody,
  type TFieldError,
  type TUpdateWebhookBody,
  type TWebhookDelivery,
  type TWebhookEndpoint,
} from '@corebase/contracts';

import { serverFieldErrors } from '@/lib/form';

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
const webhookFormFields = ['url', 'description', 'eventTypes'] as const;
export type TWebhookFormField = (typeof webhookFormFields)[number];
export type TWebhookFormErrors = Partial<Record<TWebhookFormField, string>>;

type TParsed = { ok: true; body: TCreateWebhookBody } | { ok: false; errors: TWebhookFormErrors };

const messages: Required<TWebhookFormErrors> = {
  url: 'Enter the full http(s) address the events are sent to, e.g. https://example.com/hooks.',
  description: 'Keep the description under 500 characters.',
  eventTypes: 'Choose at least one event type, or send all of them.',
};

/** The contract's refusals, each as this form's own sentence for its field. */
function addIssueErrors(
  errors: TWebhookFormErrors,
  issues: readonly { path: readonly PropertyKey[] }[],
): void {
  for (const issue of issues) {
    const field = webhookFormFields.find((name) => name === issue.path[0]);
    if (field !== undefined) errors[field] ??= messages[field];
  }
}

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
  if (!result.success) addIssueErrors(errors, result.error.issues);
  if (Object.keys(errors).length > 0 || !result.success) return { ok: false, errors };
  return { ok: true, body: result.data };
}

export type TWebhookEditInput = TWebhookFormInput & { enabled: boolean };

type TParsedUpdate =
  | { ok: true; body: TUpdateWebhookBody }
  | { ok: true; body: null }
  | { ok: false; errors: TWebhookFormErrors };

const sameTypes = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((name) => b.includes(name));

/**
 * The edit form as a PATCH body holding only what differs from the endpoint as the server has
 * it (`body: null` when nothing does). Re-sending unchanged fields is not harmless: the server
 * checks (and resolves) a sent URL again, and a sent `enabled: false` replaces the reason an
 * endpoint was disabled for ("failing") with "disabled by a person".
 */
export function parseUpdateWebhook(
  input: TWebhookEditInput,
  endpoint: Pick<TWebhookEndpoint, 'url' | 'description' | 'eventTypes' | 'enabled'>,
): TParsedUpdate {
  const errors: TWebhookFormErrors = {};
  if (input.chooseTypes && input.eventTypes.length === 0) errors.eventTypes = messages.eventTypes;
  const eventTypes = input.chooseTypes ? input.eventTypes : [];
  const changes: Record<string, unknown> = {};
  if (input.url.trim() !== endpoint.url) changes.url = input.url;
  if (input.description.trim() !== endpoint.description) changes.description = input.description;
  if (!sameTypes(eventTypes, endpoint.eventTypes)) changes.eventTypes = eventTypes;
  if (input.enabled !== endpoint.enabled) changes.enabled = input.enabled;
  if (Object.keys(errors).length === 0 && Object.keys(changes).length === 0) {
    return { ok: true, body: null };
  }
  const result = ZUpdateWebhookBody.safeParse(changes);
  if (!result.success) addIssueErrors(errors, result.error.issues);
  if (Object.keys(errors).length > 0 || !result.success) return { ok: false, errors };
  return { ok: true, body: result.data };
}

/**
 * A 400's field errors, by field of this form: the server's own sentence (a refused URL says
 * why, e.g. that it resolves to a private address). `eventTypes.2` counts as `eventTypes`.
 */
export function formErrorsOf(errors: readonly TFieldError[] | undefined): TWebhookFormErrors {
  return serverFieldErrors(errors, webhookFormFields);
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
