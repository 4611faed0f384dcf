-- app_role_grants: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

DO $role$ BEGIN CREATE ROLE "billing_app" NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $role$;

GRANT SELECT, INSERT, UPDATE, DELETE ON "api_keys" TO "billing_app";

GRANT SELECT ON "audit_log" TO "billing_app";

GRANT SELECT ON "currencies" TO "billing_app";

GRANT SELECT, INSERT, UPDATE, DELETE ON "customers" TO "billing_app";

GRANT SELECT ON "exchange_rates" TO "billing_app";

GRANT SELECT, INSERT, UPDATE, DELETE ON "invoice_line_items" TO "billing_app";

GRANT SELECT, INSERT, UPDATE, DELETE ON "invoices" TO "billing_app";

GRANT SELECT, INSERT, UPDATE, DELETE ON "organizations" TO "billing_app";

GRANT SELECT, INSERT, UPDATE, DELETE ON "payment_methods" TO "billing_app";

GRANT SELECT, INSERT, UPDATE, DELETE ON "products" TO "billing_app";

GRANT SELECT, INSERT, UPDATE, DELETE ON "subscriptions" TO "billing_app";

GRANT SELECT, INSERT, UPDATE, DELETE ON "users" TO "billing_app";
