-- updated_at_and_audit_triggers: down
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

DROP TRIGGER "set_updated_at" ON "users";

DROP TRIGGER "set_updated_at" ON "subscriptions";

DROP TRIGGER "set_updated_at" ON "products";

DROP TRIGGER "set_updated_at" ON "payment_methods";

DROP TRIGGER "set_updated_at" ON "organizations";

DROP TRIGGER "set_updated_at" ON "invoices";

DROP TRIGGER "audit_row_change" ON "invoices";

DROP TRIGGER "set_updated_at" ON "invoice_line_items";

DROP TRIGGER "set_updated_at" ON "exchange_rates";

DROP TRIGGER "set_updated_at" ON "customers";

DROP TRIGGER "audit_row_change" ON "customers";

DROP TRIGGER "set_updated_at" ON "currencies";

DROP TRIGGER "set_updated_at" ON "api_keys";

DROP POLICY "audit_read" ON "audit_log";

DROP POLICY "audit_append" ON "audit_log";

DROP TABLE "audit_log";

DROP FUNCTION "set_updated_at"();

DROP FUNCTION "audit_row_change"();
