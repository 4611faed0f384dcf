-- Domains of the schema ($1) that belong to no extension: base type (an enum of the schema by
-- name), collation when it is not the base type's, default, NOT NULL, and CHECK constraints by
-- name with their definitions (as pg_get_constraintdef prints them, NOT VALID included).
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(t.typname, '.') = 0 THEN t.typname::text ELSE n.nspname || '.' || t.typname END AS name,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS data_type,
       CASE WHEN bt.typtype = 'e' AND bt.typnamespace = t.typnamespace THEN
            CASE WHEN n.nspname = ($1::text[])[1] AND strpos(bt.typname, '.') = 0 THEN bt.typname::text ELSE n.nspname || '.' || bt.typname END
       END AS enum_name,
       CASE WHEN t.typcollation <> bt.typcollation THEN coll.collname::text END AS collation,
       pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default_sql,
       t.typnotnull AS not_null,
       ARRAY(SELECT con.conname::text FROM pg_catalog.pg_constraint con
              WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) AS check_names,
       ARRAY(SELECT pg_catalog.pg_get_constraintdef(con.oid) FROM pg_catalog.pg_constraint con
              WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) AS check_definitions
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
  LEFT JOIN pg_catalog.pg_collation coll ON coll.oid = t.typcollation
 WHERE n.nspname = ANY($1)
   AND t.typtype = 'd'
   AND NOT EXISTS (
       SELECT 1
         FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_type'::regclass
          AND e.objid = t.oid
          AND e.deptype = 'e'
   )
 ORDER BY t.typname
