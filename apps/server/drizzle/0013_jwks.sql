CREATE TABLE "jwks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"public_key" text NOT NULL,
	"private_key" text NOT NULL,
	"alg" text,
	"crv" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone
);
--> statement-breakpoint
-- A platform table of better-auth's: reachable by the application role without row-level security.
GRANT SELECT, INSERT, UPDATE, DELETE ON "jwks" TO corebase_app;
