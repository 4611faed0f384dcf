-- Columns of the ordinary tables of the schemas ($1), in attnum order.
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       a.attname::text AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_sql,
       -- The enum (in a schema read) the column's type is, or is an array of, named as the model
       -- names it.
       CASE WHEN et.typtype = 'e' THEN (
           SELECT CASE WHEN en.nspname = ($1::text[])[1] AND strpos(et.typname, '.') = 0 THEN et.typname::text ELSE en.nspname || '.' || et.typname END
             FROM pg_catalog.pg_namespace en
            WHERE en.oid = et.typnamespace AND en.nspname = ANY($1))
       END AS enum_name,
       (t.typcategory = 'A') AS is_array,
       a.attnotnull AS not_null,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       -- A default names no column, so it is deparsed without its table (opening each table to
       -- deparse was most of this query's time); a generated column's expression needs it.
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0)
            ELSE pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default_sql,
       -- serial: the default is nextval() of a sequence owned by this very column.
       serial.adoid IS NOT NULL AS is_serial,
       -- The options of an identity column's sequence.
       idseq.seqstart AS seq_start,
       idseq.seqincrement AS seq_increment,
       idseq.seqmin AS seq_min,
       idseq.seqmax AS seq_max,
       idseq.seqcache AS seq_cache,
       idseq.seqcycle AS seq_cycle,
       -- Attributes the model does not keep, as the note that reports them (NULL: none); the
       -- note is built only for the few columns that have one.
       CASE WHEN a.attstattarget >= 0 OR a.attstorage <> t.typstorage OR a.attcompression <> ''
                 OR a.attoptions IS NOT NULL
            THEN NULLIF(concat_ws(', ',
           CASE WHEN a.attstattarget >= 0 THEN 'has SET STATISTICS ' || a.attstattarget END,
           CASE WHEN a.attstorage <> t.typstorage THEN 'has SET STORAGE ' ||
                CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'
                                  ELSE 'EXTENDED' END END,
           CASE WHEN a.attcompression <> '' THEN 'has SET COMPRESSION ' ||
                CASE a.attcompression WHEN 'p' THEN 'pglz' ELSE 'lz4' END END,
           -- Options named pg_* are the server's own bookkeeping, not ALTER COLUMN ... SET (...).
           CASE WHEN a.attoptions IS NOT NULL
                 AND EXISTS (SELECT 1 FROM unnest(a.attoptions) AS o WHERE o NOT LIKE 'pg\_%')
                THEN 'has options (' || array_to_string(
                    ARRAY(SELECT o FROM unnest(a.attoptions) AS o WHERE o NOT LIKE 'pg\_%'), ', ') || ')'
           END), '') END AS unmodelled,
       CASE WHEN a.attcollation <> t.typcollation THEN coll.collname::text END AS collation,
       CASE WHEN a.attcollation <> t.typcollation THEN collns.nspname::text END AS collation_schema
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_type et
    ON et.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  -- Looked up only for identity columns.
  LEFT JOIN LATERAL (
      SELECT s.*
        FROM pg_catalog.pg_depend iddep
        JOIN pg_catalog.pg_sequence s ON s.seqrelid = iddep.objid
       WHERE a.attidentity <> ''
         AND iddep.refclassid = 'pg_catalog.pg_class'::regclass
         AND iddep.refobjid = c.oid
         AND iddep.refobjsubid = a.attnum
         AND iddep.classid = 'pg_catalog.pg_class'::regclass
         AND iddep.deptype = 'i'
  ) idseq ON true
  -- The defaults that use a sequence owned by their column, found from the sequences (a few
  -- hundred at most) rather than probed for each column.
  LEFT JOIN (
      SELECT DISTINCT used.objid AS adoid
        FROM pg_catalog.pg_class seq
        JOIN pg_catalog.pg_depend owned
          ON owned.classid = 'pg_catalog.pg_class'::regclass
         AND owned.objid = seq.oid
         AND owned.refclassid = 'pg_catalog.pg_class'::regclass
         AND owned.deptype = 'a'
        JOIN pg_catalog.pg_depend used
          ON used.classid = 'pg_catalog.pg_attrdef'::regclass
         AND used.refclassid = 'pg_catalog.pg_class'::regclass
         AND used.refobjid = seq.oid
        JOIN pg_catalog.pg_attrdef sad
          ON sad.oid = used.objid
         AND sad.adrelid = owned.refobjid
         AND sad.adnum = owned.refobjsubid
       WHERE seq.relkind = 'S'
  ) serial ON serial.adoid = ad.oid
  LEFT JOIN pg_catalog.pg_collation coll ON coll.oid = a.attcollation
  LEFT JOIN pg_catalog.pg_namespace collns ON collns.oid = coll.collnamespace
 WHERE n.nspname = ANY($1)
   AND c.relkind IN ('r', 'p')
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY c.relname, a.attnum
