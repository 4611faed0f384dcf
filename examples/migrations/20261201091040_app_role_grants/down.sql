-- app_role_grants: down
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

REVOKE SELECT, INSERT, UPDATE, DELETE ON "users" FROM "billing_app";

REVOKE SELECT, INSERT, UPDATE, DELETE ON "subscriptions" FROM "billing_app";

REVOKE SELECT, INSERT, UPDATE, DELETE ON "products" FROM "billing_app";

REVOKE SELECT, INSERT, UPDATE, DELETE ON "payment_methods" FROM "billing_app";

REVOKE SELECT, INSERT, UPDATE, DELETE ON "organizations" FROM "billing_app";

REVOKE SELECT, INSERT, UPDATE, DELETE ON "invoices" FROM "billing_app";

REVOKE SELECT, INSERT, UPDATE, DELETE ON "invoice_line_items" FROM "billing_app";

REVOKE SELECT ON "exchange_rates" FROM "billing_app";

REVOKE SELECT, INSERT, UPDATE, DELETE ON "customers" FROM "billing_app";

REVOKE SELECT ON "currencies" FROM "billing_app";

REVOKE SELECT ON "audit_log" FROM "billing_app";

REVOKE SELECT, INSERT, UPDATE, DELETE ON "api_keys" FROM "billing_app";
