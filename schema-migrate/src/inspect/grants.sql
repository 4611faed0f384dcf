-- Privileges on the ordinary tables of the schema ($1) granted to a role other than the table's
-- owner (the owner's own privileges are implicit), on the whole table (column_name NULL) and on
-- single columns (pg_attribute.attacl). A grant to PUBLIC has no role (NULL).
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       r.rolname::text AS role,
       NULL::text AS column_name,
       array_agg(a.privilege_type::text ORDER BY a.privilege_type) AS privileges,
       bool_or(a.is_grantable) AS grantable
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) AS a
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'p')
   AND a.grantee <> c.relowner
 GROUP BY n.nspname, c.relname, r.rolname
UNION ALL
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END,
       r.rolname::text,
       at.attname::text,
       array_agg(a.privilege_type::text ORDER BY a.privilege_type),
       bool_or(a.is_grantable)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  -- Only the columns with privileges of their own (aclexplode of NULL is no row anyway).
  JOIN pg_catalog.pg_attribute at
    ON at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped AND at.attacl IS NOT NULL
 CROSS JOIN LATERAL pg_catalog.aclexplode(at.attacl) AS a
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'p')
   AND a.grantee <> c.relowner
 GROUP BY n.nspname, c.relname, r.rolname, at.attname
 ORDER BY 1, 2, 3 NULLS FIRST
