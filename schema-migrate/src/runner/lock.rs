//! The migration lock: a session-level advisory lock taken on the very session that runs the
//! migrations, so losing the session (killed, terminated, timed out) loses the lock and the work
//! together, and no second runner can start while the first one's statement still runs.
//!
//! The lock is waited for by polling `pg_try_advisory_lock` with backoff, never by blocking in
//! `pg_advisory_lock`: a blocked call holds a snapshot for as long as it waits, and
//! `CREATE INDEX CONCURRENTLY` in the runner holding the lock waits for every older snapshot, so
//! a second runner blocked on the lock would stall the first one's index build for good. Between
//! polls the waiting session is idle and holds none.

use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::{LOCK_KEY, RunError, statement_error};

/// Wait at most `wait` for the lock on `client`'s session; `progress` prints who holds it while
/// waiting.
pub(super) async fn acquire(client: &Client, wait: Duration, progress: bool) -> Result<(), RunError> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(25);
    let mut next_report = Duration::from_secs(2);
    let sql = "SELECT pg_try_advisory_lock($1)";
    loop {
        let got: bool = client
            .query_one(sql, &[&LOCK_KEY])
            .await
            .map_err(statement_error(sql))?
            .get(0);
        if got {
            return Ok(());
        }
        let waited = start.elapsed();
        if waited >= wait {
            return Err(RunError::LockWait {
                waited_s: waited.as_secs(),
                holder: holder(client).await,
            });
        }
        if progress && waited >= next_report {
            eprintln!(
                "waiting for the migration lock ({} s so far), held by {}",
                waited.as_secs(),
                holder(client).await
            );
            next_report = waited + Duration::from_secs(30);
        }
        // Jitter keeps many runners started at once from polling in step.
        let jitter = Duration::from_millis(u64::from(std::process::id() % 17));
        tokio::time::sleep((delay + jitter).min(wait.saturating_sub(waited))).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// Who holds the lock, for messages: pid, application, client, since when, and what it runs.
pub(super) async fn holder(client: &Client) -> String {
    let sql = "SELECT a.pid, coalesce(nullif(a.application_name, ''), 'unnamed'), \
               coalesce(host(a.client_addr), 'local socket'), \
               coalesce(extract(epoch FROM now() - a.backend_start)::bigint, 0), coalesce(a.state, ''), \
               left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 120) \
               FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::text::bigint = $1 AND l.objid::text::bigint = $2";
    let high = (LOCK_KEY >> 32) & 0xffff_ffff;
    let low = LOCK_KEY & 0xffff_ffff;
    match client.query_opt(sql, &[&high, &low]).await {
        Ok(Some(row)) => {
            let pid: i32 = row.get(0);
            let application: String = row.get(1);
            let from: String = row.get(2);
            let seconds: i64 = row.get(3);
            let state: String = row.get(4);
            let query: String = row.get(5);
            let doing = if state == "active" {
                format!("running: {query}")
            } else {
                state
            };
            format!(
                "session {pid} ({application} from {from}, connected {seconds} s ago, {doing}); \
                 if that runner is gone for good, end it with SELECT pg_terminate_backend({pid})"
            )
        }
        Ok(None) => "a session that has just released it".to_owned(),
        Err(_) => "another session (pg_locks is not readable)".to_owned(),
    }
}
