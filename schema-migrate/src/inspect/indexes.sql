-- Indexes of the ordinary tables and materialized views of the schema ($1), except those backing a primary key, unique or
-- exclusion constraint (the constraint stands for them). One row per index; the keys come as
-- parallel arrays, one element per key column (the first indnkeyatts entries of indkey); its
-- comment is its purpose.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       c.relkind::text AS relation_kind,
       ic.relname::text AS name,
       i.indisunique AS is_unique,
       i.indnullsnotdistinct AS nulls_not_distinct,
       i.indisvalid AS is_valid,
       -- A partition's index attached to its table's partitioned index comes with it.
       EXISTS (SELECT 1 FROM pg_catalog.pg_inherits ih WHERE ih.inhrelid = i.indexrelid) AS is_attached,
       am.amname::text AS method,
       keys.key_columns,
       keys.key_expressions,
       keys.key_opclasses,
       keys.key_collations,
       keys.key_options,
       keys.include,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       d.description AS comment
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_catalog.pg_description d
    ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = i.indexrelid AND d.objsubid = 0
  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  -- The index's columns in one pass (the key columns, then the INCLUDE ones), each looked up
  -- once. Planned small on purpose: unnest's estimate (10 rows) rather than generate_series'
  -- (1,000) keeps the query's cost under the JIT threshold, which a few hundred ms of
  -- compilation would cost; the column is found by index (OFFSET 0: not a hash join built per
  -- index); the aggregates read the columns from the subquery in its order, with no sort each.
  CROSS JOIN LATERAL (
      SELECT COALESCE(array_agg(k.attname::text) FILTER (WHERE k.ord <= i.indnkeyatts), '{}') AS key_columns,
             COALESCE(array_agg(CASE WHEN k.attnum = 0
                                     THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::integer, true)
                                END) FILTER (WHERE k.ord <= i.indnkeyatts),
                      '{}') AS key_expressions,
             -- The operator classes that are not their type's default (a few), hashed once.
             COALESCE(array_agg(CASE WHEN k.opclass IN (SELECT opc.oid FROM pg_catalog.pg_opclass opc
                                                         WHERE NOT opc.opcdefault)
                                     THEN (SELECT opc.opcname::text FROM pg_catalog.pg_opclass opc
                                            WHERE opc.oid = k.opclass)
                                END) FILTER (WHERE k.ord <= i.indnkeyatts),
                      '{}') AS key_opclasses,
             -- A key's collation when it is not the column's (for an expression: not the default).
             COALESCE(array_agg(CASE
                                    WHEN k.coll_oid = 0 THEN NULL
                                    WHEN k.attnum <> 0 AND k.coll_oid = k.attcollation THEN NULL
                                    WHEN k.attnum = 0
                                     AND k.coll_oid = 'pg_catalog.default'::regcollation THEN NULL
                                    ELSE (SELECT coll.collname::text FROM pg_catalog.pg_collation coll
                                           WHERE coll.oid = k.coll_oid)
                                END) FILTER (WHERE k.ord <= i.indnkeyatts),
                      '{}') AS key_collations,
             COALESCE(array_agg(k.option::integer) FILTER (WHERE k.ord <= i.indnkeyatts), '{}') AS key_options,
             COALESCE(array_agg(k.attname::text) FILTER (WHERE k.ord > i.indnkeyatts AND k.attname IS NOT NULL),
                      '{}') AS include
        FROM (SELECT *
                FROM unnest(i.indkey::pg_catalog.int2[], i.indclass::pg_catalog.oid[],
                            i.indcollation::pg_catalog.oid[], i.indoption::pg_catalog.int2[])
                     WITH ORDINALITY AS k(attnum, opclass, coll_oid, option, ord)
                LEFT JOIN LATERAL (
                    SELECT a.attname, a.attcollation
                      FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
                    OFFSET 0
                ) a ON true
               ORDER BY k.ord) AS k
  ) keys
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
