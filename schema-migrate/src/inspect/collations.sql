-- Collations of the schema ($1) that belong to no extension: provider ('i' ICU, 'c' libc, 'd'
-- the database default, which CREATE COLLATION cannot make), locales and determinism.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.collname, '.') = 0 THEN c.collname::text ELSE n.nspname || '.' || c.collname END AS name,
       c.collprovider::text AS provider,
       c.collcollate AS lc_collate,
       c.collctype AS lc_ctype,
       c.colliculocale AS icu_locale,
       c.collisdeterministic AS deterministic
  FROM pg_catalog.pg_collation c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (
       SELECT 1
         FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_collation'::regclass
          AND e.objid = c.oid
          AND e.deptype = 'e'
   )
 ORDER BY c.collname
