-- cross_tenant_lookups: down
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

DROP FUNCTION "organization_by_slug"(value text);

DROP FUNCTION "api_key_by_token_hash"(value bytea);
