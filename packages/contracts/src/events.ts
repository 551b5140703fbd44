import { z, type ZodType } from 'zod';

/**
 * A domain event as the catalogue describes it: what subscribers (jobs, webhooks, streams) can
 * rely on. A change that breaks the payload's shape gets a new `version`; the outbox row records
 * the version it was written under.
 */
export type TEventDefinition<P = unknown> = {
  /** `area.past_tense`: `organization.created`. */
  name: string;
  version: number;
  /** The payload as JSON: dates are ISO strings. */
  schema: ZodType<P>;
  description: string;
};

/** An event, declared once here and emitted by its owning module with `events.emit`. */
export function defineEvent<P>(definition: TEventDefinition<P>): TEventDefinition<P> {
  return Object.freeze({ ...definition });
}

const at = z.iso.datetime({ offset: true });
const id = z.uuid();

export const organizationCreated = defineEvent({
  name: 'organization.created',
  version: 1,
  description: 'An organization was created; its creator is its owner.',
  schema: z.object({ organizationId: id, name: z.string(), slug: z.string() }),
});

export const organizationDeletionScheduled = defineEvent({
  name: 'organization.deletion_scheduled',
  version: 1,
  description:
    'An owner deleted the organization: it is hidden now and purged for good after its grace period, unless restored.',
  schema: z.object({ organizationId: id, purgeAfter: at.optional() }),
});

export const organizationRestored = defineEvent({
  name: 'organization.restored',
  version: 1,
  description: 'A deleted organization was restored within its grace period.',
  schema: z.object({ organizationId: id }),
});

export const organizationPurged = defineEvent({
  name: 'organization.purged',
  version: 1,
  description:
    'A deleted organization passed its grace period and was erased with everything it owned.',
  schema: z.object({ organizationId: id, slug: z.string(), deletedAt: at }),
});

export const organizationSettingsUpdated = defineEvent({
  name: 'organization.settings_updated',
  version: 1,
  description: "The organization's settings changed; the payload holds the new values.",
  schema: z.object({
    organizationId: id,
    auditRetentionDays: z.number().int(),
    requireTwoFactor: z.boolean(),
  }),
});

export const memberTwoFactorReset = defineEvent({
  name: 'member.two_factor_reset',
  version: 1,
  description: "An administrator removed a member's two-factor authentication.",
  schema: z.object({ organizationId: id, userId: z.string(), byUserId: z.string() }),
});

export const invitationCreated = defineEvent({
  name: 'invitation.created',
  version: 1,
  description:
    'Someone was invited to an organization (or their pending invitation was sent again).',
  schema: z.object({
    organizationId: id,
    invitationId: z.string(),
    email: z.string(),
    role: z.string(),
    inviterUserId: z.string(),
    expiresAt: at,
  }),
});

export const invitationAccepted = defineEvent({
  name: 'invitation.accepted',
  version: 1,
  description: 'An invited person accepted and became a member.',
  schema: z.object({
    organizationId: id,
    invitationId: z.string(),
    userId: z.string(),
    role: z.string(),
    inviterUserId: z.string(),
  }),
});

export const memberRoleChanged = defineEvent({
  name: 'member.role_changed',
  version: 1,
  description: "A member's role in an organization changed.",
  schema: z.object({
    organizationId: id,
    userId: z.string(),
    previousRole: z.string(),
    role: z.string(),
    /** Who changed it (null when not known). */
    byUserId: z.string().nullable(),
  }),
});

const roleSnapshot = {
  roleId: id,
  name: z.string(),
  description: z.string().nullable(),
  permissions: z.array(z.string()),
};

export const roleCreated = defineEvent({
  name: 'role.created',
  version: 1,
  description: 'A custom role was created in an organization.',
  schema: z.object(roleSnapshot),
});

export const roleUpdated = defineEvent({
  name: 'role.updated',
  version: 1,
  description: "A custom role's name, description or permissions changed.",
  schema: z.object(roleSnapshot),
});

export const roleDeleted = defineEvent({
  name: 'role.deleted',
  version: 1,
  description: 'A custom role was deleted.',
  schema: z.object({ roleId: id, name: z.string() }),
});

export const apiKeyCreated = defineEvent({
  name: 'api_key.created',
  version: 1,
  description: 'An API key was created (the key itself never travels in events).',
  schema: z.object({
    apiKeyId: z.string(),
    name: z.string(),
    prefix: z.string(),
    permissions: z.array(z.string()),
    expiresAt: at.nullable(),
  }),
});

export const apiKeyRevoked = defineEvent({
  name: 'api_key.revoked',
  version: 1,
  description: 'An API key was revoked; requests with it are refused from now on.',
  schema: z.object({ apiKeyId: z.string() }),
});

export const impersonationStarted = defineEvent({
  name: 'impersonation.started',
  version: 1,
  description: 'A superadmin started acting as a user (platform-wide: no organization).',
  schema: z.object({
    impersonationId: id,
    adminUserId: z.string(),
    userId: z.string(),
    expiresAt: at,
  }),
});

export const impersonationEnded = defineEvent({
  name: 'impersonation.ended',
  version: 1,
  description: 'An impersonation ended: stopped, ended by another superadmin, or expired.',
  schema: z.object({
    impersonationId: id,
    adminUserId: z.string(),
    userId: z.string(),
    endReason: z.string().nullable(),
  }),
});

export const webhookEndpointDisabled = defineEvent({
  name: 'webhook_endpoint.disabled',
  version: 1,
  description:
    'A webhook endpoint was disabled after failing continuously; its admins were mailed.',
  schema: z.object({
    endpointId: id,
    url: z.string(),
    failingSince: at,
  }),
});

const reportRef = {
  reportId: id,
  kind: z.string(),
  format: z.string(),
  requestedByUserId: z.string(),
};

export const reportRequested = defineEvent({
  name: 'report.requested',
  version: 1,
  description: 'Someone asked for a report; its job produces it.',
  schema: z.object({
    ...reportRef,
    from: at.nullable(),
    to: at.nullable(),
  }),
});

export const reportReady = defineEvent({
  name: 'report.ready',
  version: 1,
  description: 'A requested report was produced; its file can be downloaded.',
  schema: z.object({ ...reportRef, rowCount: z.number().int(), sizeBytes: z.number().int() }),
});

export const reportFailed = defineEvent({
  name: 'report.failed',
  version: 1,
  description: 'A requested report could not be produced.',
  schema: z.object({ ...reportRef, error: z.string() }),
});

/** Every event Corebase emits; `docs/events.md` is generated from this list. */
export const eventCatalogue: readonly TEventDefinition[] = [
  organizationCreated,
  organizationDeletionScheduled,
  organizationRestored,
  organizationPurged,
  organizationSettingsUpdated,
  memberTwoFactorReset,
  invitationCreated,
  invitationAccepted,
  memberRoleChanged,
  roleCreated,
  roleUpdated,
  roleDeleted,
  apiKeyCreated,
  apiKeyRevoked,
  webhookEndpointDisabled,
  reportRequested,
  reportReady,
  reportFailed,
  impersonationStarted,
  impersonationEnded,
];
