-- Reads and writes of each table of the current schema since the statistics were last reset:
-- statements that scanned it, and rows written in a way that updates its indexes (inserted,
-- updated other than HOT, deleted); with its row estimate and index count (keys included).
SELECT s.relname::text AS table_name,
       (coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0))::bigint AS reads,
       (s.n_tup_ins + s.n_tup_upd - s.n_tup_hot_upd + s.n_tup_del)::bigint AS rows_written,
       greatest(c.reltuples, 0)::float8 AS row_estimate,
       (SELECT count(*) FROM pg_index i WHERE i.indrelid = s.relid)::bigint AS index_count
  FROM pg_stat_user_tables s
  JOIN pg_class c ON c.oid = s.relid
 WHERE s.schemaname = current_schema()
