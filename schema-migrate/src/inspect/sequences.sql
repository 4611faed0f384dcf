-- Sequences of the schema ($1) that do not belong to an extension, with their options, the
-- column that owns them (OWNED BY, or the identity column whose sequence it is) and whether that
-- column is a serial: an integer column whose default takes its values from this very sequence.
-- The columns' identity options and serials are read from here (columns.sql does not look
-- them up for each column).
SELECT CASE WHEN n.nspname = ($1::text[])[1] AND strpos(c.relname, '.') = 0 THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS seq_start,
       s.seqincrement AS seq_increment,
       s.seqmin AS seq_min,
       s.seqmax AS seq_max,
       s.seqcache AS seq_cache,
       s.seqcycle AS seq_cycle,
       (d.deptype = 'i') IS TRUE AS is_identity,
       oc.relname::text AS owner_table,
       owner_ns.nspname::text AS owner_schema,
       oa.attname::text AS owner_column,
       pg_catalog.format_type(oa.atttypid, NULL) AS owner_type,
       (oa.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
        AND oa.attidentity = '' AND oa.attgenerated = ''
        AND EXISTS (
            SELECT 1
              FROM pg_catalog.pg_attrdef ad
              JOIN pg_catalog.pg_depend used
                ON used.classid = 'pg_catalog.pg_attrdef'::regclass
               AND used.objid = ad.oid
               AND used.refclassid = 'pg_catalog.pg_class'::regclass
               AND used.refobjid = c.oid
             WHERE ad.adrelid = oa.attrelid AND ad.adnum = oa.attnum
        )) AS serves_owner,
       -- Roles other than the owner with USAGE; anything else granted is reported.
       ARRAY(SELECT r.rolname::text
               FROM pg_catalog.aclexplode(c.relacl) AS a
               JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
              WHERE a.privilege_type = 'USAGE' AND a.grantee <> c.relowner AND NOT a.is_grantable
              ORDER BY 1) AS usage,
       EXISTS (SELECT 1
                 FROM pg_catalog.aclexplode(c.relacl) AS a
                WHERE a.grantee <> c.relowner
                  AND (a.privilege_type <> 'USAGE' OR a.is_grantable OR a.grantee = 0)) AS other_grants
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
  LEFT JOIN pg_catalog.pg_depend d
    ON d.classid = 'pg_catalog.pg_class'::regclass
   AND d.objid = c.oid
   AND d.refclassid = 'pg_catalog.pg_class'::regclass
   AND d.refobjsubid > 0
   AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_catalog.pg_class oc ON oc.oid = d.refobjid
  LEFT JOIN pg_catalog.pg_namespace owner_ns ON owner_ns.oid = oc.relnamespace
  LEFT JOIN pg_catalog.pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
 WHERE n.nspname = ANY($1)
   AND c.relkind = 'S'
   AND NOT EXISTS (
       SELECT 1
         FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_class'::regclass
          AND e.objid = c.oid
          AND e.deptype = 'e'
   )
 ORDER BY c.relname
