-- Columns of the ordinary tables and materialized views of the schemas ($1), in attnum order.
-- The other queries name a relation's columns by attnum (constraint and index keys); the reader
-- resolves those from these rows, so that no other query looks each column up again. Which
-- enum a column's type is (types.sql, by oid), and an identity's or a serial's sequence
-- (sequences.sql) are read there too: every join left out of this query, the largest, is
-- time saved on every inspection.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       c.relkind::text AS relation_kind,
       a.attrelid AS table_oid,
       a.attnum AS attnum,
       a.attname::text AS name,
       a.atttypid AS type_oid,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_sql,
       a.attnotnull AS not_null,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       -- A default names no column, so it is deparsed without its table (opening each table to
       -- deparse was most of this query's time); a generated column's expression needs it.
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0)
            ELSE pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default_sql,
       -- Attributes the model does not keep, as the note that reports them (NULL: none); the
       -- note is built only for the few columns that have one.
       -- (Some servers keep an option of their own, pg_*, on every column: one such option
       -- alone is seen without unnesting the array.)
       CASE WHEN a.attstattarget >= 0 OR a.attstorage <> t.typstorage OR a.attcompression <> ''
                 OR cardinality(a.attoptions) > 1 OR a.attoptions[1] NOT LIKE 'pg\_%'
            THEN NULLIF(concat_ws(', ',
           CASE WHEN a.attstattarget >= 0 THEN 'has SET STATISTICS ' || a.attstattarget END,
           CASE WHEN a.attstorage <> t.typstorage THEN 'has SET STORAGE ' ||
                CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'
                                  ELSE 'EXTENDED' END END,
           CASE WHEN a.attcompression <> '' THEN 'has SET COMPRESSION ' ||
                CASE a.attcompression WHEN 'p' THEN 'pglz' ELSE 'lz4' END END,
           -- Options named pg_* are the server's own bookkeeping, not ALTER COLUMN ... SET (...).
           CASE WHEN a.attoptions IS NOT NULL
                 AND EXISTS (SELECT 1 FROM unnest(a.attoptions) AS o WHERE o NOT LIKE 'pg\_%')
                THEN 'has options (' || array_to_string(
                    ARRAY(SELECT o FROM unnest(a.attoptions) AS o WHERE o NOT LIKE 'pg\_%'), ', ') || ')'
           END), '') END AS unmodelled,
       -- The column's collation (an index key's is compared with it), named only when it is not
       -- its type's (a few columns).
       a.attcollation AS collation_oid,
       CASE WHEN a.attcollation <> t.typcollation THEN (
           SELECT coll.collname::text FROM pg_catalog.pg_collation coll WHERE coll.oid = a.attcollation
       ) END AS collation,
       CASE WHEN a.attcollation <> t.typcollation THEN (
           SELECT collns.nspname::text
             FROM pg_catalog.pg_collation coll
             JOIN pg_catalog.pg_namespace collns ON collns.oid = coll.collnamespace
            WHERE coll.oid = a.attcollation
       ) END AS collation_schema
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'p', 'm')
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY c.relname, a.attnum
