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
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            lock_retries: 5,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
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
    let mut backoff = options.backoff;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_group(client, group).await {
            Ok(()) => return Ok(()),
            Err(GroupError { statement, source }) => {
                let lock_timeout = source.code() == Some(&SqlState::LOCK_NOT_AVAILABLE);
                if lock_timeout && attempt <= options.lock_retries {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(options.max_backoff);
                    continue;
                }
                if lock_timeout {
                    return Err(Error::LockTimeout {
                        sql: statement,
                        attempts: attempt,
                    });
                }
                return Err(Error::Statement {
                    sql: statement,
                    source,
                });
            }
        }
    }
}

struct GroupError {
    statement: String,
    source: tokio_postgres::Error,
}

async fn exec(client: &Client, sql: &str) -> Result<(), GroupError> {
    client.batch_execute(sql).await.map_err(|source| GroupError {
        statement: sql.to_owned(),
        source,
    })
}

async fn try_group(client: &Client, group: &Group<'_>) -> Result<(), GroupError> {
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
        drop_invalid_index(client, index).await?;
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

/// Drop `index` if it exists but is invalid: the leftover of a concurrent build that failed.
async fn drop_invalid_index(client: &Client, index: &str) -> Result<(), GroupError> {
    let query = "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace";
    let rows = client
        .query(query, &[&index])
        .await
        .map_err(|source| GroupError {
            statement: query.to_owned(),
            source,
        })?;
    if rows.first().is_some_and(|row| row.get::<_, bool>(0)) {
        exec(client, &schema_core::render::drop_index(index, true)).await?;
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
