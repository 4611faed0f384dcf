-- tenant_keys_from_the_database: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

ALTER TABLE "api_keys" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "customers" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "invoices" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "payment_methods" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "products" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "subscriptions" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "usage_events" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "users" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

REVOKE INSERT, UPDATE ON "api_keys" FROM "billing_app";

DO $role$ BEGIN CREATE ROLE "billing_app" NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $role$;

GRANT INSERT ("created_at", "created_by", "expires_at", "label", "organization_id", "revoked_at", "token_hash", "updated_at"), UPDATE ("created_at", "created_by", "expires_at", "label", "revoked_at", "token_hash", "updated_at") ON "api_keys" TO "billing_app";

REVOKE INSERT, UPDATE ON "customers" FROM "billing_app";

GRANT INSERT ("country_code", "created_at", "deleted_at", "display_name", "email", "metadata", "organization_id", "updated_at"), UPDATE ("country_code", "created_at", "deleted_at", "display_name", "email", "metadata", "updated_at") ON "customers" TO "billing_app";

REVOKE INSERT, UPDATE ON "invoice_line_items" FROM "billing_app";

GRANT INSERT ("created_at", "description", "invoice_id", "organization_id", "product_id", "quantity", "unit_price_cents", "updated_at"), UPDATE ("created_at", "description", "invoice_id", "product_id", "quantity", "unit_price_cents", "updated_at") ON "invoice_line_items" TO "billing_app";

REVOKE INSERT, UPDATE ON "invoices" FROM "billing_app";

GRANT INSERT ("created_at", "currency_code", "customer_id", "due_on", "number", "organization_id", "paid_at", "status", "subtotal_cents", "tax_cents", "total_cents", "updated_at"), UPDATE ("created_at", "currency_code", "customer_id", "due_on", "number", "paid_at", "status", "subtotal_cents", "tax_cents", "total_cents", "updated_at") ON "invoices" TO "billing_app";

REVOKE INSERT, UPDATE ON "payment_methods" FROM "billing_app";

GRANT INSERT ("created_at", "customer_id", "gateway_payload", "gateway_reference", "is_default", "kind", "organization_id", "updated_at"), UPDATE ("created_at", "customer_id", "gateway_payload", "gateway_reference", "is_default", "kind", "updated_at") ON "payment_methods" TO "billing_app";

REVOKE INSERT, UPDATE ON "products" FROM "billing_app";

GRANT INSERT ("active", "created_at", "name", "organization_id", "sku", "tax_rate_basis_points", "unit_price_cents", "updated_at"), UPDATE ("active", "created_at", "name", "sku", "tax_rate_basis_points", "unit_price_cents", "updated_at") ON "products" TO "billing_app";

REVOKE INSERT, UPDATE ON "subscriptions" FROM "billing_app";

GRANT INSERT ("canceled_at", "created_at", "current_period_end", "customer_id", "organization_id", "payment_method_id", "product_id", "status", "updated_at"), UPDATE ("canceled_at", "created_at", "current_period_end", "customer_id", "payment_method_id", "product_id", "status", "updated_at") ON "subscriptions" TO "billing_app";

REVOKE INSERT, UPDATE ON "users" FROM "billing_app";

GRANT INSERT ("created_at", "email", "full_name", "last_signed_in_at", "organization_id", "password_hash", "role", "updated_at"), UPDATE ("created_at", "email", "full_name", "last_signed_in_at", "password_hash", "role", "updated_at") ON "users" TO "billing_app";
