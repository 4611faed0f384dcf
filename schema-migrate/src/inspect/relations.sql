-- Every relation of the schemas ($1, the first one's names unqualified, the others' as
-- `schema.name`), with what is needed to tell the ordinary tables the model
-- holds from the relations it cannot (views, partitioned tables, partitions, free sequences, ...).
-- The schema itself is the driving row: no row at all means the schema does not exist, one row
-- with a NULL name means it exists and is empty.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS name,
       n.nspname::text AS schema,
       acl.schema_usage,
       acl.schema_acl_unmodelled,
       c.oid AS oid,
       c.relkind::text AS kind,
       c.relispartition AS is_partition,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_by,
       (SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(pc.relname, '.') = 0 THEN pc.relname::text ELSE n.nspname || '.' || pc.relname END
          FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
         WHERE i.inhrelid = c.oid AND pc.relnamespace = c.relnamespace AND c.relispartition) AS partition_of,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       c.relpersistence::text AS persistence,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       EXISTS (
           SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid
       ) AS inherits,
       -- The runner's history where versions before the `schema_migrate` schema kept it: a
       -- table of that name with the history's columns (`HISTORY_COLUMNS` in runner.rs).
       -- Another tool's table of the name (Rails keeps only `version`) is the application's.
       (n.nspname = ($1::text[])[1] AND c.relname = 'schema_migrations' AND c.relkind = 'r' AND (
           SELECT count(*)
             FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = c.oid
              AND NOT a.attisdropped
              AND a.attname IN ('version', 'description', 'checksum', 'applied_at', 'execution_ms',
                                'success', 'steps_done', 'error')
       ) = 8) IS TRUE AS is_legacy_history
  FROM pg_catalog.pg_namespace n
  -- Once per schema, not once per relation (OFFSET 0 keeps it from being pulled up).
  CROSS JOIN LATERAL (
      SELECT
          -- The roles other than the owner granted USAGE on the schema (`GRANT USAGE ON
          -- SCHEMA`), and every other entry of its ACL (CREATE, a grant to PUBLIC, WITH GRANT
          -- OPTION), which the model does not hold.
          ARRAY(SELECT r.rolname::text
                  FROM pg_catalog.aclexplode(n.nspacl) AS a
                  JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
                 WHERE a.grantee <> n.nspowner AND a.privilege_type = 'USAGE' AND NOT a.is_grantable
                 ORDER BY 1) AS schema_usage,
          ARRAY(SELECT coalesce(r.rolname::text, 'PUBLIC') || ' ' || a.privilege_type
                       || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
                  FROM pg_catalog.aclexplode(n.nspacl) AS a
                  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
                 WHERE a.grantee <> n.nspowner
                   AND (a.privilege_type <> 'USAGE' OR a.is_grantable OR r.oid IS NULL)
                 ORDER BY 1) AS schema_acl_unmodelled
      OFFSET 0
  ) acl
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
 WHERE n.nspname = ANY($1)
 ORDER BY c.relname
