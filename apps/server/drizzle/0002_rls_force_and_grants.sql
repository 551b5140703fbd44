-- FORCE makes the policies apply to the table owner too: the connecting role owns every table,
-- so without FORCE a unit of work that forgot to switch roles would read every tenant's rows.
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "organization_settings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO corebase_app, corebase_maintenance;--> statement-breakpoint
-- Platform tables: reached by their owning module only; not under RLS.
GRANT SELECT, INSERT, UPDATE, DELETE ON "users", "organizations", "memberships" TO corebase_app;--> statement-breakpoint
-- The outbox carries every tenant's event payloads: requests may only append to it; reading and
-- marking rows is the dispatcher's work, as the maintenance role.
GRANT INSERT ON "outbox" TO corebase_app;--> statement-breakpoint
-- Tenant tables: row access is decided by the policies.
GRANT SELECT, INSERT, UPDATE, DELETE ON "organization_settings" TO corebase_app;--> statement-breakpoint
-- The audit log is append-only for the application: no UPDATE, no DELETE.
GRANT SELECT, INSERT ON "audit_log" TO corebase_app;--> statement-breakpoint
-- Cross-tenant machinery (dispatcher, retention clean-up) bypasses RLS but still needs grants.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO corebase_maintenance;
