-- User-defined types of the schema ($1): enums with their values in sort order and comment, and the other
-- kinds (domains, ranges) so they can be reported as unsupported. The oids (the enum's and its
-- array type's) name the columns' types (columns.sql gives a column's type by oid); an
-- extension's enum comes for that alone.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(t.typname, '.') = 0 THEN t.typname::text ELSE n.nspname || '.' || t.typname END AS name,
       t.typtype::text AS kind,
       t.oid AS oid,
       t.typarray AS array_oid,
       EXISTS (
           SELECT 1
             FROM pg_catalog.pg_depend e
            WHERE e.classid = 'pg_catalog.pg_type'::regclass
              AND e.objid = t.oid
              AND e.deptype = 'e'
       ) AS of_extension,
       ARRAY(
           SELECT e.enumlabel::text
             FROM pg_catalog.pg_enum e
            WHERE e.enumtypid = t.oid
            ORDER BY e.enumsortorder
       ) AS labels,
       d.description AS comment
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_description d
    ON d.classoid = 'pg_catalog.pg_type'::regclass AND d.objoid = t.oid AND d.objsubid = 0
 WHERE n.nspname = ANY($1)
   AND t.typtype IN ('e', 'd', 'r')
 ORDER BY t.typname
