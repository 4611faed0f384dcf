-- Routines of the schema ($1) that do not belong to an extension. Only plain functions
-- (prokind 'f') fit the model; the others are reported as unsupported.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(p.proname, '.') = 0 THEN p.proname::text ELSE n.nspname || '.' || p.proname END AS name,
       p.prokind::text AS kind,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_arguments,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS result,
       l.lanname::text AS language,
       p.provolatile::text AS volatility,
       p.prosecdef AS security_definer,
       p.proisstrict AS strict,
       p.proparallel::text AS parallel,
       p.procost::text AS cost,
       p.prorows::text AS rows,
       p.proretset AS returns_set,
       (SELECT substr(c, length('search_path=') + 1)
          FROM unnest(p.proconfig) AS c
         WHERE c LIKE 'search\_path=%') AS search_path,
       ARRAY(SELECT c FROM unnest(p.proconfig) AS c WHERE c NOT LIKE 'search\_path=%') AS settings,
       -- A SQL-standard body is kept parsed; Postgres prints it back as it prints a view.
       (p.prosqlbody IS NOT NULL) AS has_sql_body,
       CASE WHEN p.prosqlbody IS NOT NULL
            THEN pg_catalog.pg_get_function_sqlbody(p.oid)
            ELSE p.prosrc END AS body,
       CASE WHEN p.proacl IS NOT NULL THEN ARRAY(
           SELECT coalesce(r.rolname::text, 'PUBLIC')
             FROM pg_catalog.aclexplode(p.proacl) AS a
             LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
            WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
            ORDER BY 1
       ) END AS execute
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (
       SELECT 1
         FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_proc'::regclass
          AND e.objid = p.oid
          AND e.deptype = 'e'
   )
   -- Nor those Postgres made for another object (a range type's constructors): they come and go
   -- with it, and it is reported.
   AND NOT EXISTS (
       SELECT 1
         FROM pg_catalog.pg_depend i
        WHERE i.classid = 'pg_catalog.pg_proc'::regclass
          AND i.objid = p.oid
          AND i.deptype = 'i'
   )
 ORDER BY p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
