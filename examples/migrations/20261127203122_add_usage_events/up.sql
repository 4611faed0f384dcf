-- add_usage_events: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

CREATE TABLE "usage_events" (
    "id" uuid NOT NULL,
    "organization_id" uuid NOT NULL,
    "subscription_id" uuid NOT NULL,
    "quantity" bigint NOT NULL,
    "recorded_at" timestamp with time zone NOT NULL,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "usage_events_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "usage_events_organization_id_recorded_at_idx" ON "usage_events" USING btree ("organization_id", "recorded_at");

CREATE INDEX "usage_events_subscription_id_idx" ON "usage_events" USING btree ("subscription_id");

ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "subscriptions" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "usage_events" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
