-- migrate:no-transaction
-- tenant_scoped_foreign_keys: down
-- Some statements cannot run in a transaction: the runner applies it step by step and resumes after a failure.

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "usage_events_subscription_id_idx" ON "usage_events" USING btree ("subscription_id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "subscriptions" ("id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "usage_events" VALIDATE CONSTRAINT "usage_events_subscription_id_fkey";

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "subscriptions_product_id_idx" ON "subscriptions" USING btree ("product_id");

CREATE INDEX CONCURRENTLY "subscriptions_payment_method_id_idx" ON "subscriptions" USING btree ("payment_method_id");

CREATE INDEX CONCURRENTLY "subscriptions_customer_id_idx" ON "subscriptions" USING btree ("customer_id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "subscriptions" VALIDATE CONSTRAINT "subscriptions_product_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_payment_method_id_fkey" FOREIGN KEY ("payment_method_id") REFERENCES "payment_methods" ("id") ON DELETE SET NULL ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "subscriptions" VALIDATE CONSTRAINT "subscriptions_payment_method_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "subscriptions" VALIDATE CONSTRAINT "subscriptions_customer_id_fkey";

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "payment_methods_organization_id_idx" ON "payment_methods" USING btree ("organization_id");

CREATE INDEX CONCURRENTLY "payment_methods_customer_id_idx" ON "payment_methods" USING btree ("customer_id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "payment_methods" VALIDATE CONSTRAINT "payment_methods_customer_id_fkey";

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "invoices_customer_id_idx" ON "invoices" USING btree ("customer_id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoices" ADD CONSTRAINT "invoices_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "invoices" VALIDATE CONSTRAINT "invoices_customer_id_fkey";

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "invoice_line_items_product_id_idx" ON "invoice_line_items" USING btree ("product_id");

CREATE INDEX CONCURRENTLY "invoice_line_items_organization_id_idx" ON "invoice_line_items" USING btree ("organization_id");

CREATE INDEX CONCURRENTLY "invoice_line_items_invoice_id_idx" ON "invoice_line_items" USING btree ("invoice_id");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoice_line_items" ADD CONSTRAINT "invoice_line_items_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON DELETE SET NULL ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "invoice_line_items" VALIDATE CONSTRAINT "invoice_line_items_product_id_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoice_line_items" ADD CONSTRAINT "invoice_line_items_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoices" ("id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "invoice_line_items" VALIDATE CONSTRAINT "invoice_line_items_invoice_id_fkey";

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

CREATE INDEX CONCURRENTLY "api_keys_organization_id_idx" ON "api_keys" USING btree ("organization_id");

CREATE INDEX CONCURRENTLY "api_keys_created_by_idx" ON "api_keys" USING btree ("created_by");

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID;

COMMIT;

SET lock_timeout = '10000ms';
SET statement_timeout = '0ms';

ALTER TABLE "api_keys" VALIDATE CONSTRAINT "api_keys_created_by_fkey";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_organization_id_subscription_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_organization_id_product_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_organization_id_payment_method_id_fkey";

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_organization_id_customer_id_fkey";

ALTER TABLE "payment_methods" DROP CONSTRAINT "payment_methods_organization_id_customer_id_fkey";

ALTER TABLE "invoices" DROP CONSTRAINT "invoices_organization_id_customer_id_fkey";

ALTER TABLE "invoice_line_items" DROP CONSTRAINT "invoice_line_items_organization_id_product_id_fkey";

ALTER TABLE "invoice_line_items" DROP CONSTRAINT "invoice_line_items_organization_id_invoice_id_fkey";

ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_organization_id_created_by_fkey";

ALTER TABLE "users" DROP CONSTRAINT "users_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "usage_events_organization_id_subscription_id_idx";

DROP INDEX CONCURRENTLY "subscriptions_organization_id_product_id_idx";

DROP INDEX CONCURRENTLY "subscriptions_organization_id_payment_method_id_idx";

DROP INDEX CONCURRENTLY "subscriptions_organization_id_customer_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_organization_id_id_key";

ALTER TABLE "products" DROP CONSTRAINT "products_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "payment_methods_organization_id_customer_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "payment_methods" DROP CONSTRAINT "payment_methods_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "invoices_organization_id_customer_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "invoices" DROP CONSTRAINT "invoices_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "invoice_line_items_organization_id_product_id_idx";

DROP INDEX CONCURRENTLY "invoice_line_items_organization_id_invoice_id_idx";

BEGIN;

SET lock_timeout = '2000ms';
SET statement_timeout = '30000ms';

ALTER TABLE "customers" DROP CONSTRAINT "customers_organization_id_id_key";

COMMIT;

SET lock_timeout = '600000ms';
SET statement_timeout = '0ms';

DROP INDEX CONCURRENTLY "api_keys_organization_id_created_by_idx";

RESET lock_timeout;
RESET statement_timeout;
