-- Indexes of the current schema never scanned since the database's statistics were last reset,
-- except those that back a primary key, unique or exclusion constraint (they enforce something).
SELECT s.relname::text AS table_name,
       s.indexrelname::text AS index_name,
       pg_size_pretty(pg_relation_size(s.indexrelid)) AS size,
       (SELECT d.stats_reset::text FROM pg_stat_database d WHERE d.datname = current_database()) AS since
  FROM pg_stat_user_indexes s
  JOIN pg_index i ON i.indexrelid = s.indexrelid
 WHERE s.schemaname = current_schema()
   AND s.idx_scan = 0
   AND NOT i.indisunique
   AND NOT i.indisprimary
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid)
 ORDER BY 1, 2
