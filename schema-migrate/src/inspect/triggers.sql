-- User triggers (not internal) of the ordinary tables of the schema ($1).
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       tg.tgname::text AS name,
       tg.tgtype::integer AS type_bits,
       p.proname::text AS function_name,
       pn.nspname::text AS function_schema,
       tg.tgnargs::integer AS argument_count,
       tg.tgargs AS arguments,
       (tg.tgqual IS NOT NULL) AS has_when,
       pg_catalog.pg_get_triggerdef(tg.oid) AS definition,
       tg.tgenabled::text AS enabled,
       (tg.tgparentid <> 0) AS is_inherited,
       (tg.tgconstraint <> 0) AS is_constraint,
       ARRAY(
           SELECT a.attname::text
             FROM unnest(tg.tgattr::int2[]) AS k(attnum)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum
            ORDER BY a.attnum
       ) AS update_columns,
       tg.tgoldtable::text AS old_table,
       tg.tgnewtable::text AS new_table
  FROM pg_catalog.pg_trigger tg
  JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_proc p ON p.oid = tg.tgfoid
  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'p')
   AND NOT tg.tgisinternal
 ORDER BY c.relname, tg.tgname
