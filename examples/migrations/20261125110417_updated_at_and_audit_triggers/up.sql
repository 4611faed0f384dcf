-- updated_at_and_audit_triggers: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

CREATE OR REPLACE FUNCTION "audit_row_change"() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $body$
DECLARE
    old_row jsonb;
    new_row jsonb;
    organization uuid;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
    END IF;
    IF TG_NARGS > 0 THEN
        organization := (coalesce(new_row, old_row) ->> TG_ARGV[0])::uuid;
    END IF;
    INSERT INTO "audit_log" (table_name, organization_id, operation, old_row, new_row, acted_by)
    VALUES (TG_TABLE_NAME, organization, TG_OP, old_row, new_row,
            NULLIF(current_setting('app.current_user_id', true), ''));
    RETURN NULL;
END
$body$;

CREATE OR REPLACE FUNCTION "set_updated_at"() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $body$
BEGIN
    NEW."updated_at" := now();
    RETURN NEW;
END
$body$;

CREATE TABLE "audit_log" (
    "id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    "table_name" text NOT NULL,
    "organization_id" uuid,
    "operation" text NOT NULL,
    "old_row" jsonb,
    "new_row" jsonb,
    "acted_by" text,
    "acted_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_log_operation_check" CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE'))
);

CREATE INDEX "audit_log_organization_id_acted_at_idx" ON "audit_log" USING btree ("organization_id", "acted_at");

COMMENT ON TABLE "audit_log" IS 'One row per INSERT, UPDATE and DELETE on an audited table (written by the audit_row_change trigger)';

ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;

CREATE POLICY "audit_append" ON "audit_log" AS PERMISSIVE FOR INSERT WITH CHECK ((organization_id IS NULL OR ("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)));

CREATE POLICY "audit_read" ON "audit_log" AS PERMISSIVE FOR SELECT USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "api_keys" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "currencies" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "audit_row_change" AFTER INSERT OR UPDATE OR DELETE ON "customers" FOR EACH ROW EXECUTE FUNCTION "audit_row_change"('organization_id');

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "customers" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "exchange_rates" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "invoice_line_items" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "audit_row_change" AFTER INSERT OR UPDATE OR DELETE ON "invoices" FOR EACH ROW EXECUTE FUNCTION "audit_row_change"('organization_id');

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "invoices" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "organizations" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "payment_methods" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "products" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "subscriptions" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
