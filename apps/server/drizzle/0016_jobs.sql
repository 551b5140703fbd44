CREATE TABLE "dead_letters" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"name" text NOT NULL,
	"queue" text NOT NULL,
	"payload" jsonb NOT NULL,
	"dedup_key" text,
	"error" text NOT NULL,
	"stack" text,
	"attempts" integer NOT NULL,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"queue" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'waiting' NOT NULL,
	"priority" integer DEFAULT 100 NOT NULL,
	"attempts_made" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"run_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"dedup_key" text,
	"locked_until" timestamp (3) with time zone,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE INDEX "dead_letters_created_idx" ON "dead_letters" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "jobs_claim_idx" ON "jobs" USING btree ("queue","status","priority","run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_dedup_idx" ON "jobs" USING btree ("name","dedup_key") WHERE "jobs"."dedup_key" IS NOT NULL AND "jobs"."status" IN ('waiting', 'running');--> statement-breakpoint
-- Platform tables of the job platform, which runs as the maintenance role. The application role
-- reaches dead letters only for superadmins (inspect, discard), through the operations module.
GRANT SELECT, INSERT, UPDATE, DELETE ON "jobs", "dead_letters" TO corebase_maintenance;--> statement-breakpoint
GRANT SELECT, DELETE ON "dead_letters" TO corebase_app;
