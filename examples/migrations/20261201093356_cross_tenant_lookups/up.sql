-- cross_tenant_lookups: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

CREATE OR REPLACE FUNCTION "api_key_by_token_hash"(value bytea) RETURNS TABLE("id" uuid, "organization_id" uuid, "expires_at" timestamp with time zone, "revoked_at" timestamp with time zone) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $body$SELECT "id", "organization_id", "expires_at", "revoked_at" FROM "api_keys" WHERE "token_hash" = $1$body$;

REVOKE EXECUTE ON FUNCTION "api_key_by_token_hash"(value bytea) FROM PUBLIC;

DO $role$ BEGIN CREATE ROLE "billing_app" NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $role$;

GRANT EXECUTE ON FUNCTION "api_key_by_token_hash"(value bytea) TO "billing_app";

CREATE OR REPLACE FUNCTION "organization_by_slug"(value text) RETURNS TABLE("id" uuid, "display_name" text) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $body$SELECT "id", "display_name" FROM "organizations" WHERE "slug" = $1$body$;

REVOKE EXECUTE ON FUNCTION "organization_by_slug"(value text) FROM PUBLIC;

DO $role$ BEGIN CREATE ROLE "billing_app" NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $role$;

GRANT EXECUTE ON FUNCTION "organization_by_slug"(value text) TO "billing_app";
