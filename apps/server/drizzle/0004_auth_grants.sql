-- Platform tables of better-auth (sessions, accounts, verifications, invitations): no RLS.
GRANT SELECT, INSERT, UPDATE, DELETE ON "sessions", "accounts", "verifications", "invitations" TO corebase_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "sessions", "accounts", "verifications", "invitations" TO corebase_maintenance;--> statement-breakpoint
-- Tables created by later migrations (run as this same user) are reachable by the maintenance role
-- without a grant per table; the application role still gets its grants table by table.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO corebase_maintenance;
