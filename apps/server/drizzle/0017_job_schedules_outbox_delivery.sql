CREATE TABLE "job_effects" (
	"key" text PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_schedules" (
	"name" text PRIMARY KEY NOT NULL,
	"job_name" text NOT NULL,
	"timing" text NOT NULL,
	"payload" jsonb NOT NULL,
	"next_run_at" timestamp (3) with time zone NOT NULL,
	"last_run_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "started_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "expected_jobs" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "acked_jobs" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "delivered_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("status","finished_at");--> statement-breakpoint
CREATE INDEX "outbox_dispatched_idx" ON "outbox" USING btree ("dispatched_at") WHERE "outbox"."status" = 'dispatched';--> statement-breakpoint
-- Rows dispatched before acknowledgements existed had no subscribers: they are delivered.
UPDATE "outbox" SET "status" = 'delivered', "delivered_at" = "dispatched_at" WHERE "status" = 'dispatched';--> statement-breakpoint
-- Wakes dispatchers LISTENing on PostgreSQL at commit (NOTIFY is transactional and folds
-- identical notifications of one transaction into one); PGlite dispatchers poll.
CREATE FUNCTION corebase_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('corebase_outbox', '');
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER outbox_notify AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION corebase_notify_outbox();--> statement-breakpoint
-- Wakes inline workers of other processes when a job of their queue is enqueued.
CREATE FUNCTION corebase_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('corebase_jobs', NEW.queue);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER jobs_notify AFTER INSERT ON "jobs" FOR EACH ROW EXECUTE FUNCTION corebase_notify_jobs();--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "job_schedules", "job_effects" TO corebase_maintenance;--> statement-breakpoint
-- Jobs apply their effects once (applyOnce) in tenant transactions too: they add keys, never read them.
GRANT INSERT ON "job_effects" TO corebase_app;
