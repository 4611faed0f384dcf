-- The top statements ($1 of them) of the current database by total execution time, as
-- pg_stat_statements normalized them ($n parameters), top-level only.
SELECT s.query,
       sum(s.calls)::bigint AS calls,
       (sum(s.total_exec_time) / greatest(sum(s.calls), 1))::float8 AS mean_exec_time
  FROM pg_stat_statements s
  JOIN pg_database d ON d.oid = s.dbid
 WHERE d.datname = current_database()
   AND s.toplevel
 GROUP BY s.query
 ORDER BY sum(s.total_exec_time) DESC
 LIMIT $1
