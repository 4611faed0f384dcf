-- Comments on the ordinary tables of the schema ($1) and on their columns (column 0 is the table).
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       a.attname::text AS column_name,
       d.description
  FROM pg_catalog.pg_description d
  JOIN pg_catalog.pg_class c ON c.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_attribute a
    ON d.objsubid > 0 AND a.attrelid = c.oid AND a.attnum = d.objsubid
 WHERE d.classoid = 'pg_catalog.pg_class'::regclass
   AND n.nspname = ANY($1)
   AND c.relkind IN ('r', 'p')
 ORDER BY c.relname, d.objsubid
