/** Every table, for drizzle-kit and for typed queries. A module owns the tables it defines. */
export * from '#server/modules/audit/audit.schema';
export * from '#server/modules/identity/identity.schema';
export * from '#server/modules/settings/settings.schema';
export * from '#server/platform/outbox/outbox.schema';
