//! Apply: run planned statements on a database.
//!
//! Statements run in groups: consecutive transactional statements share one transaction; every
//! other statement runs on its own. A group that fails leaves nothing behind (its transaction
//! rolls back), so the database is always at a group boundary. A group that fails on its
//! `lock_timeout` is retried with backoff, a bounded number of times. A concurrent index build
//! that failed earlier leaves an invalid index behind; it is dropped before the build runs again.

use std::time::Duration;

use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use crate::error::Error;
use crate::plan::{Statement, timeout_settings};

/// How to apply statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Retries of a group that failed because a lock was not granted within `lock_timeout`.
    pub lock_retries: u32,
    /// Wait before the first retry; doubled for each next one, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// How long a runner waits for the migration lock held by another runner.
    pub lock_wait: Duration,
    /// The runner session's `lock_timeout` for statements whose script sets none (zero: none).
    /// A statement that waits longer fails with 55P03 and is retried as above, so a hand-written
    /// `ALTER TABLE` never queues every writer behind it for long.
    pub lock_timeout: Duration,
    /// The runner session's `statement_timeout` for statements whose script sets none (zero:
    /// none). Generated scripts set their own for each statement.
    pub statement_timeout: Duration,
    /// Apply a pending migration older than one already applied (a merged branch).
    pub allow_out_of_order: bool,
    /// Print to stderr while waiting for the migration lock.
    pub progress: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            lock_retries: 5,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            lock_wait: Duration::from_secs(600),
            lock_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(3600),
            allow_out_of_order: false,
            progress: false,
        }
    }
}

/// Statements that run together: one transaction, or one statement on its own.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub transactional: bool,
    pub statements: Vec<&'a Statement>,
}

/// Split statements into the groups they run in.
pub fn groups<'a>(statements: &[&'a Statement]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for statement in statements {
        match groups.last_mut() {
            Some(group) if group.transactional && statement.transactional => group.statements.push(statement),
            _ => groups.push(Group {
                transactional: statement.transactional,
                statements: vec![statement],
            }),
        }
    }
    groups
}

/// Apply statements in order.
pub async fn apply(client: &Client, statements: &[&Statement], options: &ApplyOptions) -> Result<(), Error> {
    for group in groups(statements) {
        run_group(client, &group, options).await?;
    }
    Ok(())
}

/// Run one group, retrying it when it fails on a lock timeout.
pub async fn run_group(client: &Client, group: &Group<'_>, options: &ApplyOptions) -> Result<(), Error> {
    retrying(options, || try_group(client, group))
        .await
        .map_err(|GaveUp { failure, attempts }| {
            if failure.is_lock_timeout() {
                Error::LockTimeout {
                    sql: failure.statement,
                    attempts,
                }
            } else {
                Error::Statement {
                    sql: failure.statement,
                    source: failure.source,
                }
            }
        })
}

/// A failed statement and its error.
pub(crate) struct StatementFailure {
    pub statement: String,
    pub source: tokio_postgres::Error,
}

impl StatementFailure {
    /// For `map_err` on a query whose text is `sql`.
    pub fn from_query(sql: &str) -> impl Fn(tokio_postgres::Error) -> StatementFailure + '_ {
        move |source| StatementFailure {
            statement: sql.to_owned(),
            source,
        }
    }

    pub fn is_lock_timeout(&self) -> bool {
        self.source.code() == Some(&SqlState::LOCK_NOT_AVAILABLE)
    }
}

/// A failure that retries did not get past.
pub(crate) struct GaveUp {
    pub failure: StatementFailure,
    pub attempts: u32,
}

pub(crate) async fn exec(client: &Client, sql: &str) -> Result<(), StatementFailure> {
    client
        .batch_execute(sql)
        .await
        .map_err(|source| StatementFailure {
            statement: sql.to_owned(),
            source,
        })
}

/// Run `attempt` until it succeeds, retrying lock timeouts (SQLSTATE 55P03) with backoff, a
/// bounded number of times, as `options` says. Every other failure ends it at once.
pub(crate) async fn retrying<F, Fut>(options: &ApplyOptions, mut attempt: F) -> Result<(), GaveUp>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), StatementFailure>>,
{
    let mut backoff = options.backoff;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt().await {
            Ok(()) => return Ok(()),
            Err(failure) if failure.is_lock_timeout() && attempts <= options.lock_retries => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(options.max_backoff);
            }
            Err(failure) => return Err(GaveUp { failure, attempts }),
        }
    }
}

async fn try_group(client: &Client, group: &Group<'_>) -> Result<(), StatementFailure> {
    if group.transactional {
        exec(client, "BEGIN").await?;
        let result = async {
            for statement in &group.statements {
                if let Some(timeouts) = &statement.timeouts {
                    for setting in timeout_settings(timeouts) {
                        exec(client, &setting.replacen("SET ", "SET LOCAL ", 1)).await?;
                    }
                }
                exec(client, &statement.sql).await?;
            }
            exec(client, "COMMIT").await
        }
        .await;
        if result.is_err() {
            let _ = client.batch_execute("ROLLBACK").await;
        }
        return result;
    }
    let statement = group.statements[0];
    if let Some(index) = &statement.builds_index {
        drop_invalid_index(client, index, None).await?;
    }
    if let Some(timeouts) = &statement.timeouts {
        for setting in timeout_settings(timeouts) {
            exec(client, &setting).await?;
        }
    }
    let result = exec(client, &statement.sql).await;
    if statement.timeouts.is_some() {
        let _ = client
            .batch_execute("RESET lock_timeout; RESET statement_timeout")
            .await;
    }
    result
}

/// Drop the index `name` (of `table`, when known; else in the current schema) if a failed
/// concurrent build left it invalid, so that the build can run again.
pub(crate) async fn drop_invalid_index(
    client: &Client,
    name: &str,
    table: Option<&str>,
) -> Result<(), StatementFailure> {
    let query = "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) \
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relname = $1 AND NOT i.indisvalid AND CASE WHEN $2::text IS NULL \
                 THEN c.relnamespace = current_schema()::regnamespace ELSE i.indrelid = to_regclass($2::text) END";
    let rows = client
        .query(query, &[&name, &table])
        .await
        .map_err(|source| StatementFailure {
            statement: query.to_owned(),
            source,
        })?;
    for row in rows {
        let qualified: String = row.get(0);
        exec(client, &format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}")).await?;
    }
    Ok(())
}

/// Apply statements, stopping at the first failure, without retries: for throwaway databases.
pub async fn apply_once(client: &Client, statements: &[&Statement]) -> Result<(), Error> {
    let options = ApplyOptions {
        lock_retries: 0,
        ..ApplyOptions::default()
    };
    apply(client, statements, &options).await
}
