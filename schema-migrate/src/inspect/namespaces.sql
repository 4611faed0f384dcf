-- Every schema (namespace) of the database an application could keep objects in: not the
-- system's (pg_catalog, information_schema, the toast and temporary ones), not the migration
-- runner's own bookkeeping (`HISTORY_SCHEMA`), not one an extension made (it is the extension's).
SELECT n.nspname::text AS name
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'schema_migrate')
   AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = n.oid
                      AND d.deptype = 'e')
 ORDER BY n.nspname
