-- Indexes of the ordinary tables and materialized views of the schema ($1), except those backing a primary key, unique or
-- exclusion constraint (the constraint stands for them). One row per index; the keys come as
-- parallel arrays, one element per key column (the first indnkeyatts entries of indkey).
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       c.relkind::text AS relation_kind,
       ic.relname::text AS name,
       i.indisunique AS is_unique,
       i.indnullsnotdistinct AS nulls_not_distinct,
       i.indisvalid AS is_valid,
       -- A partition's index attached to its table's partitioned index comes with it.
       EXISTS (SELECT 1 FROM pg_catalog.pg_inherits ih WHERE ih.inhrelid = i.indexrelid) AS is_attached,
       am.amname::text AS method,
       ARRAY(
           SELECT a.attname::text
             FROM generate_series(0, i.indnkeyatts - 1) AS k(pos)
             LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.pos] AND i.indkey[k.pos] <> 0
            ORDER BY k.pos
       ) AS key_columns,
       ARRAY(
           SELECT CASE WHEN i.indkey[k.pos] = 0
                       THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.pos + 1, true)
                  END
             FROM generate_series(0, i.indnkeyatts - 1) AS k(pos)
            ORDER BY k.pos
       ) AS key_expressions,
       ARRAY(
           SELECT CASE WHEN NOT opc.opcdefault THEN opc.opcname::text END
             FROM generate_series(0, i.indnkeyatts - 1) AS k(pos)
             LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = i.indclass[k.pos]
            ORDER BY k.pos
       ) AS key_opclasses,
       -- A key's collation when it is not the column's (for an expression: not the default).
       ARRAY(
           SELECT CASE
                      WHEN i.indcollation[k.pos] = 0 THEN NULL
                      WHEN i.indkey[k.pos] <> 0 AND i.indcollation[k.pos] = a.attcollation THEN NULL
                      WHEN i.indkey[k.pos] = 0
                       AND i.indcollation[k.pos] = 'pg_catalog.default'::regcollation THEN NULL
                      ELSE coll.collname::text
                  END
             FROM generate_series(0, i.indnkeyatts - 1) AS k(pos)
             LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.pos] AND i.indkey[k.pos] <> 0
             LEFT JOIN pg_catalog.pg_collation coll ON coll.oid = i.indcollation[k.pos]
            ORDER BY k.pos
       ) AS key_collations,
       ARRAY(
           SELECT i.indoption[k.pos]::integer
             FROM generate_series(0, i.indnkeyatts - 1) AS k(pos)
            ORDER BY k.pos
       ) AS key_options,
       ARRAY(
           SELECT a.attname::text
             FROM generate_series(i.indnkeyatts, i.indnatts - 1) AS k(pos)
             JOIN pg_catalog.pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.pos]
            ORDER BY k.pos
       ) AS include,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'm', 'p')
   AND NOT EXISTS (
       SELECT 1
         FROM pg_catalog.pg_constraint con
        WHERE con.conindid = i.indexrelid
          AND con.conrelid = i.indrelid
          AND con.contype IN ('p', 'u', 'x')
   )
 ORDER BY c.relname, ic.relname
