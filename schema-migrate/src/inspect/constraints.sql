-- Constraints of the ordinary tables of the schema ($1): primary keys, uniques, checks, foreign
-- keys, and the kinds the model cannot hold (exclusion, constraint triggers).
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       con.conname::text AS name,
       con.contype::text AS kind,
       -- Columns by attnum: the reader names them from columns.sql's rows (looking each one up
       -- here was a third of this query's time).
       con.conrelid AS table_oid,
       con.conkey AS columns,
       rc.relname::text AS referenced_table,
       rn.nspname::text AS referenced_schema,
       con.confrelid AS referenced_oid,
       con.confkey AS referenced_columns,
       -- A referenced table outside the schemas read has no rows there: its columns by name.
       CASE WHEN con.contype = 'f' AND rn.nspname <> ALL($1) THEN ARRAY(
           SELECT (SELECT a.attname::text FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = con.confrelid AND a.attnum = k.attnum)
             FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
            ORDER BY k.ord
       ) END AS referenced_column_names,
       con.confdeltype::text AS on_delete,
       con.confupdtype::text AS on_update,
       con.confmatchtype::text AS match_type,
       con.confdelsetcols AS on_delete_set_columns,
       con.condeferrable AS deferrable,
       con.condeferred AS deferred,
       con.convalidated AS validated,
       con.connoinherit AS no_inherit,
       -- On a partition: taken from its table (not the partition's own).
       (con.conparentid <> 0 OR NOT con.conislocal) AS is_inherited,
       COALESCE(i.indnullsnotdistinct, false) AS nulls_not_distinct,
       -- Only a check is read from its definition (deparsing is the costly part of this query).
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_constraintdef(con.oid) END AS definition
  FROM pg_catalog.pg_constraint con
  JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
  LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
  LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype IN ('p', 'u')
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'p')
 ORDER BY c.relname, con.conname
