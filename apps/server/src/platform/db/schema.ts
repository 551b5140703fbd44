/** Every table, for drizzle-kit and for typed queries. A module owns the tables it defines. */
export * from '#server/modules/api-keys/api-keys.schema';
export * from '#server/modules/audit/audit.schema';
export * from '#server/modules/identity/identity.schema';
export * from '#server/modules/impersonation/impersonation.schema';
export * from '#server/modules/notifications/notifications.schema';
export * from '#server/modules/settings/settings.schema';
export * from '#server/modules/webhooks/webhooks.schema';
export * from '#server/modules/reports/reports.schema';
export * from '#server/platform/jobs/jobs.schema';
export * from '#server/platform/outbox/outbox.schema';

/**
 * Tables outside row-level security (see ARCHITECTURE §4); every other table is a tenant table
 * under FORCE RLS, which a test checks against the database itself.
 */
export const platformTableNames = [
  'accounts',
  'api_keys',
  'dead_letters',
  'impersonations',
  'invitations',
  'job_effects',
  'job_schedules',
  'jobs',
  'jwks',
  'memberships',
  'notification_digests',
  'notification_preferences',
  'notifications',
  'organization_roles',
  'organizations',
  'outbox',
  'sessions',
  'sign_in_failures',
  'two_factors',
  'users',
  'verifications',
] as const;

export const tenantTableNames = [
  'audit_log',
  'organization_settings',
  'reports',
  'webhook_attempts',
  'webhook_deliveries',
  'webhook_endpoints',
] as const;
