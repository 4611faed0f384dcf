-- index_and_enum_comments: down
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

COMMENT ON INDEX "usage_events_organization_id_recorded_at_idx" IS NULL;

COMMENT ON INDEX "subscriptions_organization_id_status_current_period_end_idx" IS NULL;

COMMENT ON INDEX "products_organization_id_active_idx" IS NULL;

COMMENT ON INDEX "payment_methods_one_default_key" IS NULL;

COMMENT ON INDEX "invoices_status_due_idx" IS NULL;

COMMENT ON INDEX "customers_live_email_key" IS NULL;

COMMENT ON INDEX "customers_display_name_idx" IS NULL;

COMMENT ON TYPE "user_role" IS NULL;

COMMENT ON TYPE "subscription_status" IS NULL;

COMMENT ON TYPE "plan" IS NULL;

COMMENT ON TYPE "payment_method_kind" IS NULL;

COMMENT ON TYPE "invoice_status" IS NULL;
