-- Every relation of the schema ($1), with what is needed to tell the ordinary tables the model
-- holds from the relations it cannot (views, partitioned tables, partitions, free sequences, ...).
-- The schema itself is the driving row: no row at all means the schema does not exist, one row
-- with a NULL name means it exists and is empty.
SELECT c.relname::text AS name,
       c.relkind::text AS kind,
       c.relispartition AS is_partition,
       c.relpersistence::text AS persistence,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       EXISTS (
           SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid
       ) AS inherits,
       EXISTS (
           SELECT 1
             FROM pg_catalog.pg_depend d
            WHERE d.classid = 'pg_catalog.pg_class'::regclass
              AND d.objid = c.oid
              AND d.refclassid = 'pg_catalog.pg_class'::regclass
              AND d.refobjsubid > 0
              AND d.deptype IN ('a', 'i')
       ) AS owned_by_column
  FROM pg_catalog.pg_namespace n
  LEFT JOIN pg_catalog.pg_class c
    ON c.relnamespace = n.oid
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
   AND NOT EXISTS (
       SELECT 1
         FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_class'::regclass
          AND e.objid = c.oid
          AND e.deptype = 'e'
   )
 WHERE n.nspname = $1
 ORDER BY c.relname
