-- Indexes of the ordinary tables and materialized views of the schema ($1), except those backing a primary key, unique or
-- exclusion constraint (the constraint stands for them). One row per index; its comment is its
-- purpose.
--
-- The keys come as Postgres keeps them, one element per key (the first indnkeyatts entries,
-- then the INCLUDE columns): attnums, operator classes, collations and options. The reader
-- names the columns from columns.sql's rows; looking each key up here (a subquery per index)
-- was most of this query's time. Only what those rows cannot say is computed: an expression
-- key's text, and the names of the operator classes and collations of the few indexes that have
-- other than their types' defaults.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       c.relkind::text AS relation_kind,
       ic.relname::text AS name,
       i.indisunique AS is_unique,
       i.indnullsnotdistinct AS nulls_not_distinct,
       i.indisvalid AS is_valid,
       -- A partition's index attached to its table's partitioned index comes with it.
       ic.relispartition AS is_attached,
       am.amname::text AS method,
       i.indrelid AS table_oid,
       i.indnkeyatts::integer AS key_count,
       i.indkey::pg_catalog.int2[] AS attnums,
       i.indoption::pg_catalog.int2[] AS options,
       i.indcollation::pg_catalog.oid[] AS collation_oids,
       CASE WHEN i.indexprs IS NOT NULL THEN ARRAY(
           SELECT CASE WHEN i.indkey[k - 1] = 0
                       THEN pg_catalog.pg_get_indexdef(i.indexrelid, k, true) END
             FROM generate_series(1, i.indnkeyatts::integer) AS k
            ORDER BY k
       ) END AS expressions,
       -- Operator classes: the names of those that are not their type's default (NULL for the
       -- others), only for an index that has one (the classes that are no default, once).
       CASE WHEN i.indclass::pg_catalog.oid[] && (SELECT array_agg(opc.oid)
                                                      FROM pg_catalog.pg_opclass opc
                                                     WHERE NOT opc.opcdefault)
            THEN ARRAY(
                SELECT (SELECT opc.opcname::text FROM pg_catalog.pg_opclass opc
                         WHERE opc.oid = u.opclass AND NOT opc.opcdefault)
                  FROM unnest(i.indclass::pg_catalog.oid[]) WITH ORDINALITY AS u(opclass, ord)
                 ORDER BY u.ord)
       END AS opclasses,
       -- Collation names, only for an index with a key collation other than none (0) and the
       -- default (100, which the reader names `default`).
       CASE WHEN NOT i.indcollation::pg_catalog.oid[] <@ '{0,100}'::pg_catalog.oid[]
            THEN ARRAY(
                SELECT (SELECT coll.collname::text FROM pg_catalog.pg_collation coll
                         WHERE coll.oid = u.coll)
                  FROM unnest(i.indcollation::pg_catalog.oid[]) WITH ORDINALITY AS u(coll, ord)
                 ORDER BY u.ord)
       END AS collation_names,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       d.description AS comment
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_catalog.pg_description d
    ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = i.indexrelid AND d.objsubid = 0
  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'm', 'p')
   -- Those that back a constraint, as one hashed set rather than a lookup per index.
   AND i.indexrelid NOT IN (SELECT con.conindid
                              FROM pg_catalog.pg_constraint con
                             WHERE con.contype IN ('p', 'u', 'x'))
 ORDER BY c.relname, ic.relname
