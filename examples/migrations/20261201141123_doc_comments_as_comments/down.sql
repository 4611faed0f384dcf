-- doc_comments_as_comments: down
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

COMMENT ON TABLE "users" IS NULL;

COMMENT ON COLUMN "users"."last_signed_in_at" IS NULL;

COMMENT ON TABLE "usage_events" IS NULL;

COMMENT ON COLUMN "usage_events"."quantity" IS NULL;

COMMENT ON TABLE "subscriptions" IS NULL;

COMMENT ON TABLE "products" IS NULL;

COMMENT ON COLUMN "products"."sku" IS NULL;

COMMENT ON TABLE "payment_methods" IS NULL;

COMMENT ON COLUMN "payment_methods"."is_default" IS NULL;

COMMENT ON COLUMN "payment_methods"."gateway_reference" IS NULL;

COMMENT ON COLUMN "organizations"."slug" IS NULL;

COMMENT ON TABLE "invoices" IS NULL;

COMMENT ON COLUMN "invoices"."paid_at" IS NULL;

COMMENT ON COLUMN "invoices"."number" IS NULL;

COMMENT ON TABLE "invoice_line_items" IS NULL;

COMMENT ON COLUMN "invoice_line_items"."product_id" IS NULL;

COMMENT ON TABLE "invitations" IS NULL;

COMMENT ON TABLE "exchange_rates" IS NULL;

COMMENT ON TABLE "customers" IS NULL;

COMMENT ON COLUMN "customers"."deleted_at" IS NULL;

COMMENT ON TABLE "currencies" IS NULL;

COMMENT ON COLUMN "currencies"."minor_units" IS NULL;

COMMENT ON COLUMN "currencies"."code" IS NULL;

COMMENT ON TABLE "api_keys" IS NULL;

COMMENT ON COLUMN "api_keys"."revoked_at" IS NULL;

COMMENT ON COLUMN "api_keys"."expires_at" IS NULL;

COMMENT ON COLUMN "api_keys"."label" IS NULL;
