-- migrate:no-transaction
-- tenant_scoped_foreign_keys: up
-- Some statements cannot run in a transaction: the runner applies it step by step and resumes after a failure.

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "api_keys_organization_id_created_by_idx" ON "api_keys" USING btree ("organization_id", "created_by");

CREATE UNIQUE INDEX CONCURRENTLY "customers_organization_id_id_key" ON "customers" USING btree ("organization_id", "id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "customers" ADD CONSTRAINT "customers_organization_id_id_key" UNIQUE USING INDEX "customers_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "invoice_line_items_organization_id_invoice_id_idx" ON "invoice_line_items" USING btree ("organization_id", "invoice_id");

CREATE INDEX CONCURRENTLY "invoice_line_items_organization_id_product_id_idx" ON "invoice_line_items" USING btree ("organization_id", "product_id");

CREATE UNIQUE INDEX CONCURRENTLY "invoices_organization_id_id_key" ON "invoices" USING btree ("organization_id", "id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_id_key" UNIQUE USING INDEX "invoices_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "invoices_organization_id_customer_id_idx" ON "invoices" USING btree ("organization_id", "customer_id");

CREATE UNIQUE INDEX CONCURRENTLY "payment_methods_organization_id_id_key" ON "payment_methods" USING btree ("organization_id", "id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_organization_id_id_key" UNIQUE USING INDEX "payment_methods_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "payment_methods_organization_id_customer_id_idx" ON "payment_methods" USING btree ("organization_id", "customer_id");

CREATE UNIQUE INDEX CONCURRENTLY "products_organization_id_id_key" ON "products" USING btree ("organization_id", "id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "products" ADD CONSTRAINT "products_organization_id_id_key" UNIQUE USING INDEX "products_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE UNIQUE INDEX CONCURRENTLY "subscriptions_organization_id_id_key" ON "subscriptions" USING btree ("organization_id", "id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_organization_id_id_key" UNIQUE USING INDEX "subscriptions_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "subscriptions_organization_id_customer_id_idx" ON "subscriptions" USING btree ("organization_id", "customer_id");

CREATE INDEX CONCURRENTLY "subscriptions_organization_id_payment_method_id_idx" ON "subscriptions" USING btree ("organization_id", "payment_method_id");

CREATE INDEX CONCURRENTLY "subscriptions_organization_id_product_id_idx" ON "subscriptions" USING btree ("organization_id", "product_id");

CREATE INDEX CONCURRENTLY "usage_events_organization_id_subscription_id_idx" ON "usage_events" USING btree ("organization_id", "subscription_id");

CREATE UNIQUE INDEX CONCURRENTLY "users_organization_id_id_key" ON "users" USING btree ("organization_id", "id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "users" ADD CONSTRAINT "users_organization_id_id_key" UNIQUE USING INDEX "users_organization_id_id_key";

ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_created_by_fkey" FOREIGN KEY ("organization_id", "created_by") REFERENCES "users" ("organization_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "api_keys" VALIDATE CONSTRAINT "api_keys_organization_id_created_by_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoice_line_items" ADD CONSTRAINT "invoice_line_items_organization_id_invoice_id_fkey" FOREIGN KEY ("organization_id", "invoice_id") REFERENCES "invoices" ("organization_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "invoice_line_items" VALIDATE CONSTRAINT "invoice_line_items_organization_id_invoice_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoice_line_items" ADD CONSTRAINT "invoice_line_items_organization_id_product_id_fkey" FOREIGN KEY ("organization_id", "product_id") REFERENCES "products" ("organization_id", "id") ON DELETE SET NULL ("product_id") ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "invoice_line_items" VALIDATE CONSTRAINT "invoice_line_items_organization_id_product_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_customer_id_fkey" FOREIGN KEY ("organization_id", "customer_id") REFERENCES "customers" ("organization_id", "id") ON DELETE RESTRICT ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "invoices" VALIDATE CONSTRAINT "invoices_organization_id_customer_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_organization_id_customer_id_fkey" FOREIGN KEY ("organization_id", "customer_id") REFERENCES "customers" ("organization_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "payment_methods" VALIDATE CONSTRAINT "payment_methods_organization_id_customer_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_organization_id_customer_id_fkey" FOREIGN KEY ("organization_id", "customer_id") REFERENCES "customers" ("organization_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "subscriptions" VALIDATE CONSTRAINT "subscriptions_organization_id_customer_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_organization_id_payment_method_id_fkey" FOREIGN KEY ("organization_id", "payment_method_id") REFERENCES "payment_methods" ("organization_id", "id") ON DELETE SET NULL ("payment_method_id") ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "subscriptions" VALIDATE CONSTRAINT "subscriptions_organization_id_payment_method_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_organization_id_product_id_fkey" FOREIGN KEY ("organization_id", "product_id") REFERENCES "products" ("organization_id", "id") ON DELETE RESTRICT ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "subscriptions" VALIDATE CONSTRAINT "subscriptions_organization_id_product_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_organization_id_subscription_id_fkey" FOREIGN KEY ("organization_id", "subscription_id") REFERENCES "subscriptions" ("organization_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "usage_events" VALIDATE CONSTRAINT "usage_events_organization_id_subscription_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_created_by_fkey";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "api_keys_created_by_idx";

DROP INDEX CONCURRENTLY "api_keys_organization_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoice_line_items" DROP CONSTRAINT "invoice_line_items_invoice_id_fkey";

ALTER TABLE "invoice_line_items" DROP CONSTRAINT "invoice_line_items_product_id_fkey";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "invoice_line_items_invoice_id_idx";

DROP INDEX CONCURRENTLY "invoice_line_items_organization_id_idx";

DROP INDEX CONCURRENTLY "invoice_line_items_product_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoices" DROP CONSTRAINT "invoices_customer_id_fkey";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "invoices_customer_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "payment_methods" DROP CONSTRAINT "payment_methods_customer_id_fkey";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "payment_methods_customer_id_idx";

DROP INDEX CONCURRENTLY "payment_methods_organization_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_customer_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_payment_method_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_product_id_fkey";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "subscriptions_customer_id_idx";

DROP INDEX CONCURRENTLY "subscriptions_payment_method_id_idx";

DROP INDEX CONCURRENTLY "subscriptions_product_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_subscription_id_fkey";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "usage_events_subscription_id_idx";

RESET lock_timeout;
RESET statement_timeout;
