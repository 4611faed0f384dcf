-- index_and_enum_comments: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

COMMENT ON TYPE "invoice_status" IS 'Where an invoice stands. Paid, void and uncollectible are final.';

COMMENT ON TYPE "payment_method_kind" IS 'How a payment method moves money.';

COMMENT ON TYPE "plan" IS 'The price plan an organization is on; it decides its limits.';

COMMENT ON TYPE "subscription_status" IS 'Where a subscription stands in its billing cycle.';

COMMENT ON TYPE "user_role" IS 'What a user may do in their organization, from most to least.';

COMMENT ON INDEX "customers_display_name_idx" IS 'serves the customer search by name, case-insensitive';

COMMENT ON INDEX "customers_live_email_key" IS 'one live customer per email address; serves the sign-up and import lookups';

COMMENT ON INDEX "invoices_status_due_idx" IS 'serves the dashboard''s open-invoices list, by due date, with the totals from the index';

COMMENT ON INDEX "payment_methods_one_default_key" IS 'at most one default payment method per customer';

COMMENT ON INDEX "products_organization_id_active_idx" IS 'serves the catalogue''s list of products on sale';

COMMENT ON INDEX "subscriptions_organization_id_status_current_period_end_idx" IS 'serves the renewal run: active subscriptions whose period ends next';

COMMENT ON INDEX "usage_events_organization_id_recorded_at_idx" IS 'serves the usage report of an organization over a time range';
