-- add_usage_events: down
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

DROP TRIGGER "set_updated_at" ON "usage_events";

ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_subscription_id_fkey";

ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_organization_id_fkey";

DROP TABLE "usage_events";
