//! The errors a user of the engine can meet, each saying what happened and what to do.

use std::path::PathBuf;

use crate::db::describe;

/// An error from the migration engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(
        "invalid database URL {url}: {source} (expected postgres://user@host:port/database, or keywords: host=... port=... user=... dbname=...)"
    )]
    BadUrl {
        url: String,
        source: tokio_postgres::Error,
    },

    #[error("invalid connection settings: {0}")]
    Config(String),

    #[error(
        "cannot connect to {url}: no answer within {seconds} s (connect_timeout): is the server up and reachable? \
         Raise it with ?connect_timeout=SECONDS in the URL"
    )]
    ConnectTimeout { url: String, seconds: f64 },

    #[error("cannot connect to {url}: {} (is the server running, and is DATABASE_URL right?)", describe(.source))]
    Connect {
        url: String,
        source: tokio_postgres::Error,
    },

    #[error("statement failed: {} (in: {})", describe(.source), first_line(.sql))]
    Statement {
        sql: String,
        source: tokio_postgres::Error,
    },

    #[error(
        "gave up after {attempts} attempt(s): a lock was not granted within lock_timeout (another session holds a conflicting lock); \
         nothing of the failed transaction was applied. Retry when the table is less busy, or raise the lock timeout (in: {}).",
        first_line(.sql)
    )]
    LockTimeout { sql: String, attempts: u32 },

    #[error("cannot read the schema from the database: {0}")]
    Inspect(#[from] crate::inspect::InspectError),

    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),

    #[error("cannot create a throwaway database on {server}: {}", describe(.source))]
    Scratch {
        server: String,
        source: tokio_postgres::Error,
    },

    #[error("{message}: {path}: {source}")]
    Io {
        message: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{0}")]
    Other(String),
}

/// The first line of code of `sql` (comments left out), with `...` when more follows: enough to
/// recognise a statement in a one-line message.
pub(crate) fn first_line(sql: &str) -> String {
    let code = crate::sql_split::strip_comments(sql);
    let mut lines = code.lines().map(str::trim).filter(|l| !l.is_empty());
    let line = lines.next().unwrap_or("").to_owned();
    if lines.next().is_some() {
        format!("{line} ...")
    } else {
        line
    }
}
