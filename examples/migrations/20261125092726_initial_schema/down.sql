-- initial_schema: down
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

DROP POLICY "tenant_isolation" ON "users";

DROP POLICY "tenant_isolation" ON "subscriptions";

DROP POLICY "tenant_isolation" ON "products";

DROP POLICY "tenant_isolation" ON "payment_methods";

DROP POLICY "tenant_isolation" ON "organizations";

DROP POLICY "tenant_isolation" ON "invoices";

DROP POLICY "tenant_isolation" ON "invoice_line_items";

DROP POLICY "tenant_isolation" ON "customers";

DROP POLICY "tenant_isolation" ON "api_keys";

ALTER TABLE "users" DROP CONSTRAINT "users_organization_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_product_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_payment_method_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_organization_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_customer_id_fkey";

ALTER TABLE "products" DROP CONSTRAINT "products_organization_id_fkey";

ALTER TABLE "payment_methods" DROP CONSTRAINT "payment_methods_organization_id_fkey";

ALTER TABLE "payment_methods" DROP CONSTRAINT "payment_methods_customer_id_fkey";

ALTER TABLE "invoices" DROP CONSTRAINT "invoices_organization_id_fkey";

ALTER TABLE "invoices" DROP CONSTRAINT "invoices_customer_id_fkey";

ALTER TABLE "invoices" DROP CONSTRAINT "invoices_currency_code_fkey";

ALTER TABLE "invoice_line_items" DROP CONSTRAINT "invoice_line_items_product_id_fkey";

ALTER TABLE "invoice_line_items" DROP CONSTRAINT "invoice_line_items_organization_id_fkey";

ALTER TABLE "invoice_line_items" DROP CONSTRAINT "invoice_line_items_invoice_id_fkey";

ALTER TABLE "exchange_rates" DROP CONSTRAINT "exchange_rates_quote_code_fkey";

ALTER TABLE "exchange_rates" DROP CONSTRAINT "exchange_rates_base_code_fkey";

ALTER TABLE "customers" DROP CONSTRAINT "customers_organization_id_fkey";

ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_organization_id_fkey";

ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_created_by_fkey";

DROP TABLE "users";

DROP TABLE "subscriptions";

DROP TABLE "products";

DROP TABLE "payment_methods";

DROP TABLE "organizations";

DROP TABLE "invoices";

DROP TABLE "invoice_line_items";

DROP TABLE "exchange_rates";

DROP TABLE "customers";

DROP TABLE "currencies";

DROP TABLE "api_keys";

DROP TYPE "user_role";

DROP TYPE "subscription_status";

DROP TYPE "plan";

DROP TYPE "payment_method_kind";

DROP TYPE "invoice_status";
