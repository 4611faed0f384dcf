-- Everything in the database that the model cannot hold and no other catalog query reports, one
-- row per object or attribute: `what` and `name` say what it is, `detail` why it is not compared,
-- `table_name` (when the object belongs to a table of the schemas $1, qualified outside the first) lets excluded tables be
-- skipped. Objects that belong to an extension are the extension's, reported once with it.
WITH ext_members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
),
tables AS (
    SELECT c.oid,
           CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS relname,
           c.reloptions, c.relreplident, c.reltablespace, c.reloftype
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY($1) AND c.relkind = 'r'
)
-- Table attributes.
SELECT 'table' AS what, t.relname::text AS name,
       'has storage parameters (' || array_to_string(t.reloptions, ', ') || ')' AS detail,
       t.relname::text AS table_name
  FROM tables t WHERE t.reloptions IS NOT NULL
UNION ALL
SELECT 'table', t.relname::text,
       'has REPLICA IDENTITY ' || CASE t.relreplident WHEN 'n' THEN 'NOTHING' WHEN 'f' THEN 'FULL'
                                                      ELSE 'USING INDEX' END,
       t.relname::text
  FROM tables t WHERE t.relreplident <> 'd'
UNION ALL
SELECT 'table', t.relname::text, 'is in tablespace ' || ts.spcname, t.relname::text
  FROM tables t JOIN pg_catalog.pg_tablespace ts ON ts.oid = t.reltablespace
UNION ALL
SELECT 'table', t.relname::text, 'is a typed table (OF ' || t.reloftype::regtype::text || ')', t.relname::text
  FROM tables t WHERE t.reloftype <> 0
UNION ALL
-- Column attributes are read by columns.sql (one scan of pg_attribute).
-- Index attributes.
SELECT 'index', ic.relname::text,
       'has storage parameters (' || array_to_string(ic.reloptions, ', ') || ')', t.relname::text
  FROM tables t
  JOIN pg_catalog.pg_index i ON i.indrelid = t.oid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
 WHERE ic.reloptions IS NOT NULL
UNION ALL
-- Comments on objects whose comments the model does not keep (it keeps those of tables, columns,
-- indexes, views and enum types): an index that backs a constraint (the constraint stands for it),
-- constraints, and types other than enums.
SELECT 'index', ic.relname::text, 'has a comment', t.relname::text
  FROM tables t
  JOIN pg_catalog.pg_index i ON i.indrelid = t.oid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_description d
    ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = ic.oid AND d.objsubid = 0
 WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                  AND con.contype IN ('p', 'u', 'x'))
UNION ALL
SELECT 'constraint', t.relname || '.' || con.conname, 'has a comment', t.relname::text
  FROM tables t
  JOIN pg_catalog.pg_constraint con ON con.conrelid = t.oid
  JOIN pg_catalog.pg_description d
    ON d.classoid = 'pg_catalog.pg_constraint'::regclass AND d.objoid = con.oid
UNION ALL
SELECT 'type', CASE WHEN n.nspname = ($1::text[])[1] AND strpos(ty.typname, '.') = 0 THEN ty.typname::text ELSE n.nspname || '.' || ty.typname END,
       'has a comment', NULL
  FROM pg_catalog.pg_type ty
  JOIN pg_catalog.pg_namespace n ON n.oid = ty.typnamespace
  JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_type'::regclass AND d.objoid = ty.oid
 WHERE n.nspname = ANY($1) AND ty.typtype <> 'e'
UNION ALL
-- Comments on functions, sequences, triggers, policies, schemas and the columns of views: the
-- model keeps none of them (it keeps those of tables, columns, indexes, views and enum types).
SELECT 'function', CASE WHEN n.nspname = ($1::text[])[1] AND strpos(p.proname, '.') = 0 THEN p.proname::text ELSE n.nspname || '.' || p.proname END
                   || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       'has a comment', NULL
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_proc'::regclass AND d.objoid = p.oid
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (SELECT 1 FROM ext_members e WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid)
UNION ALL
SELECT CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'view column' END,
       CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END
       || CASE WHEN d.objsubid > 0 THEN '.' || a.attname ELSE '' END,
       'has a comment', NULL
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = c.oid
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
 WHERE n.nspname = ANY($1)
   AND ((c.relkind = 'S' AND d.objsubid = 0) OR (c.relkind IN ('v', 'm') AND d.objsubid > 0))
   AND NOT EXISTS (SELECT 1 FROM ext_members e WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid)
UNION ALL
SELECT 'trigger', t.relname || '.' || tg.tgname, 'has a comment', t.relname::text
  FROM tables t
  JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = t.oid AND NOT tg.tgisinternal
  JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_trigger'::regclass AND d.objoid = tg.oid
UNION ALL
SELECT 'policy', t.relname || '.' || pol.polname, 'has a comment', t.relname::text
  FROM tables t
  JOIN pg_catalog.pg_policy pol ON pol.polrelid = t.oid
  JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_policy'::regclass AND d.objoid = pol.oid
UNION ALL
SELECT 'schema', n.nspname::text, 'has a comment', NULL
  FROM pg_catalog.pg_namespace n
  JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_namespace'::regclass AND d.objoid = n.oid
 WHERE n.nspname = ANY($1) AND n.nspname <> 'public'
UNION ALL
-- Rules (a view's _RETURN rule is the view itself, reported with it).
SELECT 'rule', t.relname || '.' || r.rulename, 'is not represented', t.relname::text
  FROM tables t JOIN pg_catalog.pg_rewrite r ON r.ev_class = t.oid
UNION ALL
-- Extended statistics.
SELECT 'statistics object', CASE WHEN n.nspname = ($1::text[])[1] AND strpos(s.stxname, '.') = 0 THEN s.stxname::text ELSE n.nspname || '.' || s.stxname END, 'is not represented', t.relname::text
  FROM pg_catalog.pg_statistic_ext s
  JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
  LEFT JOIN tables t ON t.oid = s.stxrelid
 WHERE n.nspname = ANY($1)
UNION ALL
-- Database-wide and per-schema objects of kinds the model has no place for (extensions,
-- collations and domains are read by their own queries).
SELECT 'schema', n.nspname::text,
       'is not inspected (only ' || array_to_string($1, ', ')
           || CASE WHEN cardinality($1) = 1 THEN ' is)' ELSE ' are)' END, NULL
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname <> ALL($1)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   -- The migration runner's own bookkeeping (`HISTORY_SCHEMA`).
   AND n.nspname <> 'schema_migrate'
   AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
   AND NOT (n.nspname = 'public' AND NOT EXISTS (
       SELECT 1 FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid
       UNION ALL SELECT 1 FROM pg_catalog.pg_proc p WHERE p.pronamespace = n.oid
       UNION ALL SELECT 1 FROM pg_catalog.pg_type ty WHERE ty.typnamespace = n.oid))
   AND NOT EXISTS (SELECT 1 FROM ext_members m
                    WHERE m.classid = 'pg_catalog.pg_namespace'::regclass AND m.objid = n.oid)
UNION ALL
SELECT 'operator', o.oprname || '(' || o.oprleft::regtype || ', ' || o.oprright::regtype || ')',
       'is not represented', NULL
  FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (SELECT 1 FROM ext_members m
                    WHERE m.classid = 'pg_catalog.pg_operator'::regclass AND m.objid = o.oid)
UNION ALL
SELECT 'operator family', f.opfname || ' (' || am.amname || ')', 'is not represented', NULL
  FROM pg_catalog.pg_opfamily f
  JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
  JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (SELECT 1 FROM ext_members m
                    WHERE m.classid = 'pg_catalog.pg_opfamily'::regclass AND m.objid = f.oid)
UNION ALL
SELECT 'conversion', c.conname::text, 'is not represented', NULL
  FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
 WHERE n.nspname = ANY($1)
UNION ALL
SELECT 'text search configuration', c.cfgname::text, 'is not represented', NULL
  FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (SELECT 1 FROM ext_members m
                    WHERE m.classid = 'pg_catalog.pg_ts_config'::regclass AND m.objid = c.oid)
UNION ALL
SELECT 'text search dictionary', d.dictname::text, 'is not represented', NULL
  FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (SELECT 1 FROM ext_members m
                    WHERE m.classid = 'pg_catalog.pg_ts_dict'::regclass AND m.objid = d.oid)
UNION ALL
SELECT 'text search parser', p.prsname::text, 'is not represented', NULL
  FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (SELECT 1 FROM ext_members m
                    WHERE m.classid = 'pg_catalog.pg_ts_parser'::regclass AND m.objid = p.oid)
UNION ALL
SELECT 'text search template', tt.tmplname::text, 'is not represented', NULL
  FROM pg_catalog.pg_ts_template tt JOIN pg_catalog.pg_namespace n ON n.oid = tt.tmplnamespace
 WHERE n.nspname = ANY($1)
   AND NOT EXISTS (SELECT 1 FROM ext_members m
                    WHERE m.classid = 'pg_catalog.pg_ts_template'::regclass AND m.objid = tt.oid)
UNION ALL
-- User-made objects without a schema (oids from 16384 up are not built in).
SELECT 'cast', '(' || c.castsource::regtype || ' AS ' || c.casttarget::regtype || ')', 'is not represented', NULL
  FROM pg_catalog.pg_cast c
 WHERE c.oid >= 16384
   AND NOT EXISTS (SELECT 1 FROM ext_members m WHERE m.classid = 'pg_catalog.pg_cast'::regclass AND m.objid = c.oid)
UNION ALL
SELECT 'language', l.lanname::text, 'is not represented', NULL
  FROM pg_catalog.pg_language l
 WHERE l.oid >= 16384 AND l.lanname <> 'plpgsql'
   AND NOT EXISTS (SELECT 1 FROM ext_members m WHERE m.classid = 'pg_catalog.pg_language'::regclass AND m.objid = l.oid)
UNION ALL
SELECT 'access method', am.amname::text, 'is not represented', NULL
  FROM pg_catalog.pg_am am
 WHERE am.oid >= 16384
   AND NOT EXISTS (SELECT 1 FROM ext_members m WHERE m.classid = 'pg_catalog.pg_am'::regclass AND m.objid = am.oid)
UNION ALL
SELECT 'event trigger', et.evtname::text, 'is not represented', NULL FROM pg_catalog.pg_event_trigger et
UNION ALL
SELECT 'publication', p.pubname::text, 'is not represented', NULL FROM pg_catalog.pg_publication p
UNION ALL
SELECT 'foreign-data wrapper', w.fdwname::text, 'is not represented', NULL
  FROM pg_catalog.pg_foreign_data_wrapper w
 WHERE NOT EXISTS (SELECT 1 FROM ext_members m
                    WHERE m.classid = 'pg_catalog.pg_foreign_data_wrapper'::regclass AND m.objid = w.oid)
UNION ALL
SELECT 'foreign server', s.srvname::text, 'is not represented', NULL FROM pg_catalog.pg_foreign_server s
UNION ALL
SELECT 'default privileges', pg_catalog.pg_get_userbyid(da.defaclrole)::text,
       'are not represented', NULL
  FROM pg_catalog.pg_default_acl da
UNION ALL
-- Collation versions. A collation records the version of the library (ICU, glibc) that sorted
-- the indexes built with it; once the library is upgraded, those indexes may be out of order
-- (lookups miss rows, unique keys let duplicates in). A version is no schema state a
-- declaration can hold, so a mismatch is a finding, not a difference: the collations of the
-- schemas read, or used by their columns, and the database's default.
SELECT 'collation', v.name,
       'was recorded at version ' || v.recorded || ' of its library, which now provides '
           || coalesce(v.actual, 'no version')
           || ': indexes that use it may be out of order; REINDEX them, then ALTER COLLATION '
           || v.name || ' REFRESH VERSION',
       NULL
  FROM (SELECT CASE WHEN n.nspname = 'pg_catalog' OR (n.nspname = ($1::text[])[1] AND strpos(c.collname, '.') = 0)
                    THEN quote_ident(c.collname) ELSE quote_ident(n.nspname) || '.' || quote_ident(c.collname) END AS name,
               c.collversion AS recorded,
               pg_catalog.pg_collation_actual_version(c.oid) AS actual
          FROM (SELECT c.*
                  FROM pg_catalog.pg_collation c
                 WHERE c.collversion IS NOT NULL
                   AND (c.collnamespace IN (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1))
                        -- Used by an object of those schemas: a column or an index key (its
                        -- relation), a view's query (its rule), a domain. Postgres records each
                        -- use of a collation other than the default in pg_depend, which is
                        -- searched by collation rather than every column read.
                        OR c.oid IN (SELECT d.refobjid
                                       FROM pg_catalog.pg_depend d
                                      WHERE d.refclassid = 'pg_catalog.pg_collation'::regclass
                                        AND CASE d.classid
                                                WHEN 'pg_catalog.pg_class'::regclass THEN
                                                    (SELECT r.relnamespace FROM pg_catalog.pg_class r WHERE r.oid = d.objid)
                                                WHEN 'pg_catalog.pg_rewrite'::regclass THEN
                                                    (SELECT r.relnamespace
                                                       FROM pg_catalog.pg_rewrite rw
                                                       JOIN pg_catalog.pg_class r ON r.oid = rw.ev_class
                                                      WHERE rw.oid = d.objid)
                                                WHEN 'pg_catalog.pg_type'::regclass THEN
                                                    (SELECT ty.typnamespace FROM pg_catalog.pg_type ty WHERE ty.oid = d.objid)
                                            END IN (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1))))
                 OFFSET 0) c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace) v
 WHERE v.recorded IS DISTINCT FROM v.actual
UNION ALL
SELECT 'database', quote_ident(d.datname),
       'has its default collation recorded at version ' || d.datcollversion || ' of its library, which now provides '
           || coalesce(pg_catalog.pg_database_collation_actual_version(d.oid), 'no version')
           || ': indexes on text may be out of order; REINDEX DATABASE, then ALTER DATABASE '
           || quote_ident(d.datname) || ' REFRESH COLLATION VERSION',
       NULL
  FROM pg_catalog.pg_database d
 WHERE d.datname = current_database() AND d.datcollversion IS NOT NULL
   AND d.datcollversion IS DISTINCT FROM pg_catalog.pg_database_collation_actual_version(d.oid)
ORDER BY 1, 2, 3
