-- The application's schemas: every namespace but Postgres' own and the migration runner's.
SELECT n.nspname AS name
FROM pg_catalog.pg_namespace n
WHERE n.nspname <> ALL ($1::text[])
  AND n.nspname NOT LIKE 'pg\_%'
  AND n.nspname <> 'information_schema'
  -- Schemas an extension created hold only the extension's objects.
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e'
  )
ORDER BY n.nspname
