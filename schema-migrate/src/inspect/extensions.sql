-- Extensions of the database (database-wide; plpgsql, always there, is left out), with the schema
-- their objects are in, their version (NULL when it is the one the server installs by default) and
-- the types they made (columns use them by the name format_type prints). $1: the schemas inspected, the unqualified one first.
SELECT e.extname::text AS name,
       NULLIF(n.nspname::text, ($1::text[])[1]) AS schema,
       NULLIF(e.extversion, av.default_version) AS version,
       ARRAY(SELECT pg_catalog.format_type(t.oid, NULL)
               FROM pg_catalog.pg_depend d
               JOIN pg_catalog.pg_type t ON t.oid = d.objid
              WHERE d.classid = 'pg_catalog.pg_type'::regclass
                AND d.refclassid = 'pg_catalog.pg_extension'::regclass
                AND d.refobjid = e.oid
                AND d.deptype = 'e'
              ORDER BY 1) AS types
  FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
  -- Read from the control files, per extension installed.
  LEFT JOIN LATERAL (
      SELECT a.default_version FROM pg_catalog.pg_available_extensions() a WHERE a.name = e.extname
  ) av ON true
 WHERE e.extname <> 'plpgsql'
 ORDER BY e.extname
