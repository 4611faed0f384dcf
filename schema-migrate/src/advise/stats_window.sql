-- When the current database's statistics were last reset (NULL: never, they count since the
-- database was created), and how long ago, in seconds.
SELECT d.stats_reset::text AS reset_at,
       extract(epoch FROM now() - d.stats_reset)::float8 AS age_seconds
  FROM pg_stat_database d
 WHERE d.datname = current_database()
