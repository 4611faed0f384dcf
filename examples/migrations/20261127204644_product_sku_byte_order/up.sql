-- product_sku_byte_order: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '0ms';

-- lint:allow column-type-change products is a small catalogue table: rebuilding its sku index holds the lock briefly
ALTER TABLE "products" ALTER COLUMN "sku" TYPE character varying(64) COLLATE "C";
