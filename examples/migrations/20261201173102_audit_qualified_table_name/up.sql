-- audit_qualified_table_name: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

CREATE OR REPLACE FUNCTION "audit_row_change"() RETURNS trigger LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $body$
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
    VALUES (CASE WHEN TG_TABLE_SCHEMA = 'public' THEN TG_TABLE_NAME ELSE TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME END,
            organization, TG_OP, old_row, new_row,
            NULLIF(current_setting('app.current_user_id', true), ''));
    RETURN NULL;
END
$body$;
