-- Views and materialized views of the schema ($1) that do not belong to an extension, with their
-- queries as Postgres prints them, their comments, and their options (reported: the model does not keep them).
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS name,
       (c.relkind = 'm') AS materialized,
       pg_catalog.pg_get_viewdef(c.oid, true) AS query,
       array_to_string(c.reloptions, ', ') AS options,
       d.description AS comment
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
    ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('v', 'm')
   AND NOT EXISTS (
       SELECT 1
         FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_class'::regclass
          AND e.objid = c.oid
          AND e.deptype = 'e'
   )
 ORDER BY c.relname
