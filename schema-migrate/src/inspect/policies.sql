-- Row-level security policies of the ordinary tables of the schema ($1). Role 0 is PUBLIC.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       p.polname::text AS name,
       p.polcmd::text AS command,
       p.polpermissive AS permissive,
       ARRAY(
           SELECT CASE WHEN r.role = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r.role)::text END
             FROM unnest(p.polroles) AS r(role)
       ) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_sql,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check_sql
  FROM pg_catalog.pg_policy p
  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'p')
 ORDER BY c.relname, p.polname
