//! Apply the migrations directory to a database, and revert it, exactly once whatever dies.
//!
//! The history lives in [`HISTORY_TABLE`], one row per applied (or interrupted) migration, in a
//! schema of its own ([`HISTORY_SCHEMA`]), so an application table of any name (Rails'
//! `schema_migrations`) is the application's. A history left where earlier versions kept it
//! ([`LEGACY_HISTORY_TABLE`]) is read there and moved on the next run that takes the lock. A run
//! takes a session-level advisory lock ([`LOCK_KEY`]) on the session that does the work, waiting
//! for it by polling (see `lock`), so concurrent runners (app instances starting at once) apply
//! each migration once: the ones that waited find nothing left to do. Losing that session loses
//! the lock and the work together, and a session left running by a killed runner keeps the lock
//! until its statement ends, so the next runner starts only after it.
//!
//! A migration's script runs in one of two ways:
//! - **transactional** (the default): the whole script and its history row in one transaction.
//!   It applies completely or not at all.
//! - **non-transactional** (a line of the script is [`NO_TRANSACTION_MARKER`]): the script is a
//!   sequence of units, each a `BEGIN ... COMMIT` block or a single statement. The history row
//!   is written first (`success = false`) and counts the units done; every unit is recorded so
//!   that it is done and recorded, or neither:
//!   - a block: its statements and its record in its transaction;
//!   - a single statement that can run in a transaction: it and its record in one simple-query
//!     message, which Postgres runs as one implicit transaction;
//!   - a statement that cannot (`CREATE INDEX CONCURRENTLY` and its kin, [`Kind`]): when a run
//!     resumes at it, its postcondition says whether it took effect (the index exists and is
//!     valid: done; exists invalid: dropped and built again; gone after a drop: done).
//!
//!   A run that stops part way (an error, a crash) is resumed by the next `up` after the last
//!   unit done. Units that only `SET`/`RESET` settings are always run again, as they set up the
//!   session for the units after them. A non-transactional `down.sql` records its progress the
//!   same way (`down_steps_done`), and the next `down` resumes it.
//!
//! A unit (or a transactional script) that fails because a lock was not granted within
//! `lock_timeout` (SQLSTATE 55P03) is retried with backoff, as [`ApplyOptions`] says. The
//! session has a default `lock_timeout` and `statement_timeout` for scripts that set none.
//!
//! Session settings a script changes (`SET lock_timeout`, `SET search_path`) are reset
//! (`RESET ALL`) after each migration, so they do not leak into the next one.
//!
//! A state that needs a person (a failed step, an edited file) is left recorded; each error says
//! which command gets out of it: `migrate up` or `down` resumes, `migrate resolve VERSION
//! --applied | --rolled-back` records a hand fix, `migrate repair --update-checksums` accepts
//! edited files.

mod collisions;
mod lock;
mod resolve;
mod units;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde::Serialize;
use tokio_postgres::Client;
use tokio_postgres::error::{ErrorPosition, SqlState};

use crate::apply::{ApplyOptions, GaveUp, StatementFailure, drop_invalid_index, exec, retrying};
use crate::db::{self, describe};
use crate::error::{Error, first_line};
use crate::migrations::{Migration, NO_TRANSACTION_MARKER};
use crate::sql_split::split_statements;
use schema_core::ident::quote_literal;

pub use collisions::DownCollision;
pub use resolve::{Repair, Resolution, repair, resolve};
use units::{Control, control};
pub use units::{Kind, Unit, concurrent_index, kind, units};

pub use crate::inspect::{HISTORY_SCHEMA, HISTORY_TABLE, LEGACY_HISTORY_TABLE};

/// The key of the advisory lock every run holds ("schemamg" in ASCII).
pub const LOCK_KEY: i64 = 0x7363_6865_6d61_6d67;

/// A row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub version: String,
    pub description: String,
    pub checksum: String,
    /// RFC 3339.
    pub applied_at: String,
    pub execution_ms: i64,
    /// False while a non-transactional migration is part way (interrupted or failed).
    pub success: bool,
    /// Units of a non-transactional migration done; 1 for a transactional one.
    pub steps_done: i32,
    /// The error that stopped a non-transactional migration (or its revert).
    pub error: Option<String>,
    /// Units of a non-transactional down.sql done while reverting; `None` when no revert is under
    /// way.
    pub down_steps_done: Option<i32>,
}

/// Where a migration stands on a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Pending,
    Applied,
    /// A non-transactional migration stopped part way (`success = false`): `up` resumes it.
    Failed,
    /// Its files changed after it was applied (or after it was interrupted).
    ChecksumMismatch,
    /// Applied, but no migration directory has its version.
    MissingFile,
    /// Its non-transactional down.sql stopped part way: `down` resumes it.
    Reverting,
}

/// A migration and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub version: String,
    pub description: String,
    pub state: State,
    pub applied: Option<Applied>,
}

/// How far to revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownTarget {
    /// The newest `n` applied migrations.
    Steps(usize),
    /// Every applied migration newer than this version.
    To(String),
}

/// Why a run stopped. Each message says what happened and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Db(#[from] Error),

    #[error(
        "migration {version}_{description} was edited after it was applied (its files hash to {file}, {recorded} was applied): \
         restore its files (git checkout) and put the change in a new migration; if the edit changes nothing that ran (a comment), \
         accept it with `migrate repair --update-checksums`"
    )]
    ChecksumMismatch {
        version: String,
        description: String,
        /// The checksum in the history table.
        recorded: String,
        /// The checksum of the files.
        file: String,
    },

    #[error(
        "migration {version}_{description} is applied to the database but its directory is missing from the migrations directory: \
         restore it (git checkout, or pull the branch that added it); if it was removed on purpose and its changes undone, \
         run `migrate resolve {version} --rolled-back`"
    )]
    MissingFile { version: String, description: String },

    #[error(
        "migration {version}_{description} was interrupted after {steps_done} step(s) and its files changed since: restore its files \
         (git checkout) and run `migrate up` to resume it; or undo its {steps_done} step(s) by hand and run \
         `migrate resolve {version} --rolled-back` to run the edited version from the start; or finish it by hand and run \
         `migrate resolve {version} --applied`; or keep the steps done and resume with the edited file after \
         `migrate repair --update-checksums`"
    )]
    InterruptedEdited {
        version: String,
        description: String,
        steps_done: i32,
    },

    #[error("unknown migration version {version}: no migration has it (`migrate status` lists the versions)")]
    UnknownVersion { version: String },

    #[error("{file}: {message}")]
    BadScript {
        version: String,
        file: String,
        message: String,
    },

    #[error(
        "migration {version} failed and was rolled back: {message}; the database is still at version {}: fix the migration \
         (then `migrate hash`) and run `migrate up` again",
        version_text(.previous)
    )]
    Failed {
        version: String,
        message: String,
        /// The newest migration applied before this one.
        previous: Option<String>,
    },

    #[error(
        "migration {version} stopped at step {} of {steps_total}: {message}; the {steps_done} step(s) before it are done and recorded: \
         fix the cause, then run `migrate up` again to resume at step {}; if the file must change, `migrate repair \
         --update-checksums` after editing it, or finish the migration by hand and run `migrate resolve {version} --applied`",
        .steps_done + 1, .steps_done + 1
    )]
    Interrupted {
        version: String,
        message: String,
        steps_done: i32,
        steps_total: usize,
    },

    #[error(
        "migration {version}: gave up after {attempts} attempt(s): a lock was not granted within lock_timeout (another session holds \
         a conflicting lock: {message}); {state}. Run it again when the tables are less busy, or raise the lock timeout (`--lock-timeout MS`, or SET lock_timeout in the script) (in: {statement})."
    )]
    LockTimeout {
        version: String,
        attempts: u32,
        message: String,
        statement: String,
        /// Where the database stands now, and how to continue.
        state: String,
    },

    #[error(
        "migration {version} is only partly applied ({steps_done} step(s) done, then: {}): run `migrate up` to finish it before \
         reverting it, or undo its steps by hand and run `migrate resolve {version} --rolled-back`",
        .error.as_deref().unwrap_or("interrupted")
    )]
    NotFinished {
        version: String,
        steps_done: i32,
        error: Option<String>,
    },

    #[error(
        "reverting migration {version} failed and was rolled back: {message}; the database is still at version {version}: fix \
         down.sql (then `migrate hash`) and run `migrate down` again"
    )]
    RevertFailed { version: String, message: String },

    #[error(
        "reverting migration {version} stopped at step {step} of {steps_total} of down.sql: {message}; the {} step(s) before it \
         are done and recorded: fix the cause and run `migrate down` again to resume at step {step}, or finish reverting by hand \
         and run `migrate resolve {version} --rolled-back`",
        .step - 1
    )]
    RevertInterrupted {
        version: String,
        message: String,
        step: usize,
        steps_total: usize,
    },

    #[error(
        "another runner holds the migration lock and still did after {waited_s} s: {holder}; nothing was applied. \
         Wait for it and run again, or raise the wait with --lock-wait SECONDS"
    )]
    LockWait { waited_s: u64, holder: String },

    #[error(
        "migration {version} is older than {newest_applied}, which is already applied (a branch merged late?): \
         give it a newer version (rename its directory, then `migrate hash`), or apply it anyway with `migrate up --allow-out-of-order`"
    )]
    OutOfOrder { version: String, newest_applied: String },

    #[error(
        "migration {version} is partly reverted ({down_steps_done} step(s) of its down.sql done{}): run `migrate down` to finish \
         reverting it; or finish or undo it by hand and run `migrate resolve {version} --rolled-back` or `--applied`",
        .error.as_deref().map(|e| format!(", then: {e}")).unwrap_or_default()
    )]
    PartlyReverted {
        version: String,
        down_steps_done: i32,
        error: Option<String>,
    },

    #[error(
        "the table {table} is not this tool's history (it lacks the column(s) {missing}), yet it stands where this \
         tool keeps its history. Move it out of the schema {HISTORY_SCHEMA}, which is this tool's own"
    )]
    ForeignHistory { table: String, missing: String },

    #[error("cannot resolve migration {version}: {reason}")]
    CannotResolve { version: String, reason: String },

    #[error(
        "refusing to revert: down.sql would create an object under a name that an object the migrations do not hold \
         takes in the database ({}); {}. Rename or drop that object by hand (the runner never touches \
         what the migrations do not hold), then run `migrate down` again",
        collisions::describe(.collisions),
        collisions::reverted_first(.reverted)
    )]
    DownCollides {
        collisions: Vec<DownCollision>,
        /// The downs finished before the refusal: only a down resumed part way, which was
        /// checked when it began.
        reverted: Vec<String>,
    },

    /// A migration's `schema.json`, which `down` reads to know what its down creates.
    #[error(transparent)]
    Snapshot(#[from] crate::migrations::DirError),
}

fn version_text(version: &Option<String>) -> String {
    match version {
        Some(version) => version.clone(),
        None => "none (no migration applied)".to_owned(),
    }
}

fn statement_error(sql: &str) -> impl FnOnce(tokio_postgres::Error) -> RunError {
    let sql = sql.to_owned();
    move |source| RunError::Db(Error::Statement { sql, source })
}

/// Create the history table if it does not exist.
pub async fn ensure_history(client: &Client) -> Result<(), RunError> {
    let sql = format!("CREATE SCHEMA IF NOT EXISTS {HISTORY_SCHEMA}");
    db::execute(client, &sql).await?;
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (\n\
         version text PRIMARY KEY,\n\
         description text NOT NULL,\n\
         checksum text NOT NULL,\n\
         applied_at timestamptz NOT NULL DEFAULT now(),\n\
         execution_ms bigint NOT NULL DEFAULT 0,\n\
         success boolean NOT NULL,\n\
         steps_done integer NOT NULL DEFAULT 0,\n\
         error text,\n\
         down_steps_done integer\n)"
    );
    db::execute(client, &sql).await?;
    // History tables made before reverts recorded their progress get the column; looked up
    // first, so a run does not take the table's ACCESS EXCLUSIVE lock every time.
    let sql = "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass($1::text) \
               AND attname = 'down_steps_done' AND NOT attisdropped)";
    let present: bool = client
        .query_one(sql, &[&HISTORY_TABLE])
        .await
        .map_err(statement_error(sql))?
        .get(0);
    if !present {
        let sql = format!("ALTER TABLE {HISTORY_TABLE} ADD COLUMN IF NOT EXISTS down_steps_done integer");
        db::execute(client, &sql).await?;
    }
    Ok(())
}

/// The schema-qualified, quoted name of the table `name`, or `None` when it does not exist.
async fn qualified(client: &Client, name: &str) -> Result<Option<String>, RunError> {
    let sql = "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c \
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1::text)";
    let row = client
        .query_opt(sql, &[&name])
        .await
        .map_err(statement_error(sql))?;
    Ok(row.map(|row| row.get(0)))
}

/// The history table, qualified and quoted: [`HISTORY_TABLE`], or, before a run has moved it
/// there, this tool's table at [`LEGACY_HISTORY_TABLE`]; `None` when there is neither.
pub(crate) async fn history_table(client: &Client) -> Result<Option<String>, RunError> {
    if let Some(table) = qualified(client, HISTORY_TABLE).await? {
        return Ok(Some(table));
    }
    legacy_history_table(client).await
}

/// This tool's history where earlier versions kept it, if it is there. A table of that name
/// without the history's columns is another tool's, and the application's.
async fn legacy_history_table(client: &Client) -> Result<Option<String>, RunError> {
    let Some(table) = qualified(client, LEGACY_HISTORY_TABLE).await? else {
        return Ok(None);
    };
    Ok(missing_columns(client, &table).await?.is_empty().then_some(table))
}

/// Move a history kept where earlier versions kept it into [`HISTORY_SCHEMA`], rows, keys and
/// all, in one transaction (under the run's lock).
async fn move_legacy_history(client: &Client) -> Result<(), RunError> {
    if qualified(client, HISTORY_TABLE).await?.is_some() {
        return Ok(());
    }
    let Some(table) = legacy_history_table(client).await? else {
        return Ok(());
    };
    let sql = format!(
        "BEGIN; CREATE SCHEMA IF NOT EXISTS {HISTORY_SCHEMA}; \
         ALTER TABLE {table} SET SCHEMA {HISTORY_SCHEMA}; COMMIT"
    );
    if let Err(source) = client.batch_execute(&sql).await {
        let _ = client.batch_execute("ROLLBACK").await;
        return Err(RunError::Db(Error::Statement { sql, source }));
    }
    Ok(())
}

/// The history, oldest version first; empty when the table does not exist.
pub async fn history(client: &Client) -> Result<Vec<Applied>, RunError> {
    match history_table(client).await? {
        Some(table) => read_history(client, &table).await,
        None => Ok(Vec::new()),
    }
}

/// The columns a history table of this tool has (and `down_steps_done`, added when missing).
const HISTORY_COLUMNS: [&str; 8] = [
    "version",
    "description",
    "checksum",
    "applied_at",
    "execution_ms",
    "success",
    "steps_done",
    "error",
];

/// The history columns the table `table` lacks.
async fn missing_columns(client: &Client, table: &str) -> Result<Vec<&'static str>, RunError> {
    let sql = "SELECT coalesce(array_agg(attname::text), '{}') FROM pg_attribute \
               WHERE attrelid = to_regclass($1::text) AND attnum > 0 AND NOT attisdropped";
    let columns: Vec<String> = client
        .query_one(sql, &[&table])
        .await
        .map_err(statement_error(sql))?
        .get(0);
    Ok(HISTORY_COLUMNS
        .iter()
        .copied()
        .filter(|c| !columns.iter().any(|have| have == c))
        .collect())
}

/// Refuse a table at the history's place that is not this tool's history.
async fn check_shape(client: &Client, table: &str) -> Result<(), RunError> {
    let missing = missing_columns(client, table).await?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RunError::ForeignHistory {
            table: table.to_owned(),
            missing: missing.join(", "),
        })
    }
}

async fn read_history(client: &Client, table: &str) -> Result<Vec<Applied>, RunError> {
    check_shape(client, table).await?;
    let sql = format!(
        "SELECT version, description, checksum, applied_at, execution_ms, success, steps_done, error, \
         to_jsonb(h) -> 'down_steps_done' FROM {table} h ORDER BY version"
    );
    let rows = client.query(&sql, &[]).await.map_err(statement_error(&sql))?;
    Ok(rows
        .iter()
        .map(|row| {
            let applied_at: time::OffsetDateTime = row.get(3);
            Applied {
                version: row.get(0),
                description: row.get(1),
                checksum: row.get(2),
                applied_at: applied_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_else(|_| applied_at.to_string()),
                execution_ms: row.get(4),
                success: row.get(5),
                steps_done: row.get(6),
                error: row.get(7),
                down_steps_done: row
                    .get::<_, Option<serde_json::Value>>(8)
                    .and_then(|v| v.as_i64())
                    .and_then(|v| i32::try_from(v).ok()),
            }
        })
        .collect())
}

/// Where each migration stands: one entry per migration in the order of `migrations`, then one
/// ([`State::MissingFile`]) per history row that no migration has, by version.
pub async fn status(client: &Client, migrations: &[Migration]) -> Result<Vec<Status>, RunError> {
    let mut rows: BTreeMap<String, Applied> = history(client)
        .await?
        .into_iter()
        .map(|row| (row.version.clone(), row))
        .collect();
    let mut statuses: Vec<Status> = migrations
        .iter()
        .map(|migration| {
            let applied = rows.remove(&migration.version);
            let state = match &applied {
                None => State::Pending,
                Some(row) if row.checksum != migration.checksum => State::ChecksumMismatch,
                Some(row) if row.down_steps_done.is_some() => State::Reverting,
                Some(row) if row.success => State::Applied,
                Some(_) => State::Failed,
            };
            Status {
                version: migration.version.clone(),
                description: migration.description.clone(),
                state,
                applied,
            }
        })
        .collect();
    statuses.extend(rows.into_values().map(|row| Status {
        version: row.version.clone(),
        description: row.description.clone(),
        state: State::MissingFile,
        applied: Some(row),
    }));
    Ok(statuses)
}

/// Refuse a history that does not match the files: rows without files, edited migrations.
fn validate(history: &[Applied], migrations: &[Migration]) -> Result<(), RunError> {
    for row in history {
        let Some(migration) = migrations.iter().find(|m| m.version == row.version) else {
            return Err(RunError::MissingFile {
                version: row.version.clone(),
                description: row.description.clone(),
            });
        };
        validate_row(row, migration)?;
    }
    Ok(())
}

fn validate_row(row: &Applied, migration: &Migration) -> Result<(), RunError> {
    if row.checksum == migration.checksum {
        return Ok(());
    }
    if row.success {
        Err(RunError::ChecksumMismatch {
            version: row.version.clone(),
            description: migration.description.clone(),
            recorded: row.checksum.clone(),
            file: migration.checksum.clone(),
        })
    } else {
        Err(RunError::InterruptedEdited {
            version: row.version.clone(),
            description: migration.description.clone(),
            steps_done: row.steps_done,
        })
    }
}

/// Connect, set the session's default timeouts, take the migration lock on that session, and
/// make sure the history table exists; returns the session (the lock lives as long as it) and the
/// history table's qualified name.
async fn open(url: &str, options: &ApplyOptions) -> Result<(Client, String), RunError> {
    let client = db::connect(url).await?;
    let table = prepare(&client, options).await?;
    Ok((client, table))
}

/// On a session: set its default timeouts, take the migration lock, move a history kept where
/// earlier versions kept it, and make sure the history table exists; returns the history table's
/// qualified name.
async fn prepare(client: &Client, options: &ApplyOptions) -> Result<String, RunError> {
    set_session_defaults(client, options).await?;
    lock::acquire(client, options.lock_wait, options.progress).await?;
    move_legacy_history(client).await?;
    if let Some(table) = qualified(client, HISTORY_TABLE).await? {
        check_shape(client, &table).await?;
    }
    ensure_history(client).await?;
    history_table(client).await?.ok_or_else(|| {
        RunError::Db(Error::Other(format!(
            "the table {HISTORY_TABLE} is not visible after creating it"
        )))
    })
}

/// Release the migration lock at the end of a run, so the next runner need not wait for the
/// session to close. On every other path (errors, panics, a lost connection) closing the session
/// releases it.
async fn release(client: &Client) {
    let _ = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await;
}

/// The timeouts a script that sets none runs with.
async fn set_session_defaults(client: &Client, options: &ApplyOptions) -> Result<(), RunError> {
    let sql = format!(
        "SET lock_timeout = '{}ms'; SET statement_timeout = '{}ms'",
        options.lock_timeout.as_millis(),
        options.statement_timeout.as_millis()
    );
    db::execute(client, &sql).await?;
    Ok(())
}

/// Apply pending migrations in version order, up to `to` (inclusive), resuming an interrupted one.
/// Returns the versions applied.
/// `up --to VERSION` must name a migration: refused before anything runs.
pub fn check_target(migrations: &[Migration], to: Option<&str>) -> Result<(), RunError> {
    match to {
        Some(to) if !migrations.iter().any(|m| m.version == to) => Err(RunError::UnknownVersion {
            version: to.to_owned(),
        }),
        _ => Ok(()),
    }
}

pub async fn up(
    url: &str,
    migrations: &[Migration],
    to: Option<&str>,
    options: &ApplyOptions,
) -> Result<Vec<String>, RunError> {
    check_target(migrations, to)?;
    let (client, table) = open(url, options).await?;
    let result = up_locked(&client, &table, migrations, to, options).await;
    release(&client).await;
    result
}

/// As [`up`], on a session the caller keeps (for many runs in a row on a throwaway database: a
/// connection each would cost more than many migrations). The migration lock is taken on it and
/// released at the end; on an error the caller should drop the session, which releases it too.
pub async fn up_on(
    client: &Client,
    migrations: &[Migration],
    to: Option<&str>,
    options: &ApplyOptions,
) -> Result<Vec<String>, RunError> {
    check_target(migrations, to)?;
    let table = prepare(client, options).await?;
    let result = up_locked(client, &table, migrations, to, options).await;
    release(client).await;
    result
}

async fn up_locked(
    client: &Client,
    table: &str,
    migrations: &[Migration],
    to: Option<&str>,
    options: &ApplyOptions,
) -> Result<Vec<String>, RunError> {
    let history = read_history(client, table).await?;
    validate(&history, migrations)?;
    if let Some(row) = history.iter().find(|row| row.down_steps_done.is_some()) {
        return Err(RunError::PartlyReverted {
            version: row.version.clone(),
            down_steps_done: row.down_steps_done.unwrap_or(0),
            error: row.error.clone(),
        });
    }
    if !options.allow_out_of_order
        && let Some(newest) = history
            .iter()
            .filter(|row| row.success)
            .map(|row| &row.version)
            .max()
        && let Some(older) = migrations.iter().find(|m| {
            &m.version < newest
                && to.is_none_or(|to| m.version.as_str() <= to)
                && !history.iter().any(|row| row.version == m.version)
        })
    {
        return Err(RunError::OutOfOrder {
            version: older.version.clone(),
            newest_applied: newest.clone(),
        });
    }
    let rows: BTreeMap<&str, &Applied> = history.iter().map(|row| (row.version.as_str(), row)).collect();
    let mut previous = history
        .iter()
        .filter(|row| row.success)
        .map(|row| row.version.clone())
        .max();

    let mut ordered: Vec<&Migration> = migrations.iter().collect();
    ordered.sort_by(|a, b| a.version.cmp(&b.version));
    let runner = Runner {
        client,
        table,
        options,
    };
    let mut applied = Vec::new();
    for migration in ordered {
        if to.is_some_and(|to| migration.version.as_str() > to) {
            break;
        }
        let row = rows.get(migration.version.as_str());
        if row.is_some_and(|row| row.success) {
            continue;
        }
        let result = if migration.up_transactional() {
            runner.up_transactional(migration, previous.as_deref()).await
        } else {
            let steps_done = row.map_or(0, |row| row.steps_done);
            runner.up_units(migration, row.is_some(), steps_done).await
        };
        // The migration's own error comes first: a lost session fails the reset too.
        let reset = runner.reset_session().await;
        result?;
        reset?;
        applied.push(migration.version.clone());
        previous = Some(migration.version.clone());
    }
    Ok(applied)
}

/// The versions `down` with `target` reverts, newest first (no check of files or states).
pub fn down_selection(history: &[Applied], target: &DownTarget) -> Vec<String> {
    let mut newest_first: Vec<&Applied> = history.iter().collect();
    newest_first.sort_by(|a, b| b.version.cmp(&a.version));
    match target {
        DownTarget::Steps(n) => newest_first.iter().take(*n).map(|r| r.version.clone()).collect(),
        DownTarget::To(version) => newest_first
            .iter()
            .filter(|r| &r.version > version)
            .map(|r| r.version.clone())
            .collect(),
    }
}

/// Revert applied migrations, newest first, with their down.sql. Returns the versions reverted.
pub async fn down(
    url: &str,
    migrations: &[Migration],
    target: DownTarget,
    options: &ApplyOptions,
) -> Result<Vec<String>, RunError> {
    let (client, table) = open(url, options).await?;
    let result = down_locked(&client, &table, migrations, target, options).await;
    release(&client).await;
    result
}

/// As [`down`], on a session the caller keeps (see [`up_on`]).
pub async fn down_on(
    client: &Client,
    migrations: &[Migration],
    target: DownTarget,
    options: &ApplyOptions,
) -> Result<Vec<String>, RunError> {
    let table = prepare(client, options).await?;
    let result = down_locked(client, &table, migrations, target, options).await;
    release(client).await;
    result
}

async fn down_locked(
    client: &Client,
    table: &str,
    migrations: &[Migration],
    target: DownTarget,
    options: &ApplyOptions,
) -> Result<Vec<String>, RunError> {
    let mut history = read_history(client, table).await?;
    history.reverse();
    let selected: Vec<&Applied> = match &target {
        DownTarget::Steps(n) => history.iter().take(*n).collect(),
        DownTarget::To(version) => {
            let known = migrations.iter().any(|m| &m.version == version)
                || history.iter().any(|r| &r.version == version);
            if !known {
                return Err(RunError::UnknownVersion {
                    version: version.clone(),
                });
            }
            history.iter().filter(|row| &row.version > version).collect()
        }
    };
    // Check them all before reverting any.
    let mut plan = Vec::new();
    for row in selected {
        let Some(migration) = migrations.iter().find(|m| m.version == row.version) else {
            return Err(RunError::MissingFile {
                version: row.version.clone(),
                description: row.description.clone(),
            });
        };
        validate_row(row, migration)?;
        if !row.success && row.down_steps_done.is_none() {
            return Err(RunError::NotFinished {
                version: row.version.clone(),
                steps_done: row.steps_done,
                error: row.error.clone(),
            });
        }
        plan.push((migration, row.down_steps_done));
    }
    let runner = Runner {
        client,
        table,
        options,
    };
    let mut reverted = Vec::new();
    for (index, &(migration, down_steps_done)) in plan.iter().enumerate() {
        // Before the first down that starts, every one from it on is checked against the
        // database as it stands then. A down resumed part way (only the newest can be) was
        // checked when it began, and the database stands at no snapshot until it is finished:
        // the others are checked once it is.
        if down_steps_done.is_none() && (index == 0 || plan[index - 1].1.is_some()) {
            let reverting: Vec<&Migration> = plan[index..].iter().map(|(migration, _)| *migration).collect();
            match collisions::check(client, migrations, &reverting).await {
                Err(RunError::DownCollides { collisions, .. }) => {
                    return Err(RunError::DownCollides {
                        collisions,
                        reverted: reverted.clone(),
                    });
                }
                other => other?,
            }
        }
        let result = if migration.down_transactional() {
            runner.down_transactional(migration).await
        } else {
            runner.down_units(migration, down_steps_done).await
        };
        // The migration's own error comes first: a lost session fails the reset too.
        let reset = runner.reset_session().await;
        result?;
        reset?;
        reverted.push(migration.version.clone());
    }
    Ok(reverted)
}

/// How a failure after retries reads to the user.
impl GaveUp {
    fn lock_timeout(&self) -> bool {
        self.failure.is_lock_timeout()
    }

    /// The error, with detail and hint, plus a hint of ours for errors that have a usual fix.
    fn message(&self, script: Option<&str>, file: &str) -> String {
        let source = &self.failure.source;
        let mut message = describe(source);
        if let (Some(script), Some(db)) = (script, source.as_db_error())
            && let Some(ErrorPosition::Original(position)) = db.position()
        {
            let line = script
                .chars()
                .take((*position as usize).saturating_sub(1))
                .filter(|&c| c == '\n')
                .count()
                + 1;
            message.push_str(&format!(" (at {file} line {line})"));
        } else if script.is_none() {
            message.push_str(&format!(" (in: {})", first_line(&self.failure.statement)));
        }
        if source.code() == Some(&SqlState::ACTIVE_SQL_TRANSACTION) {
            message.push_str(&format!(
                "; put a line `{NO_TRANSACTION_MARKER}` in {file} to run its statements one by one, outside a transaction"
            ));
        }
        message
    }
}

/// Run `statements` in a transaction, then `record` (a bookkeeping statement with parameters)
/// in it, and commit; roll back on failure.
async fn transaction(
    client: &Client,
    statements: &[String],
    record: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<(), StatementFailure> {
    exec(client, "BEGIN").await?;
    let result = async {
        for statement in statements {
            exec(client, statement).await?;
        }
        client
            .execute(record, params)
            .await
            .map_err(|source| StatementFailure {
                statement: record.to_owned(),
                source,
            })?;
        exec(client, "COMMIT").await
    }
    .await;
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

fn millis(start: Instant) -> i64 {
    i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX)
}

struct Runner<'a> {
    client: &'a Client,
    /// The history table, schema-qualified: scripts may change `search_path`.
    table: &'a str,
    options: &'a ApplyOptions,
}

impl Runner<'_> {
    /// Undo what a script set for its session, and restore the runner's defaults.
    async fn reset_session(&self) -> Result<(), RunError> {
        db::execute(self.client, "RESET ALL").await?;
        set_session_defaults(self.client, self.options).await
    }

    fn bad_script(migration: &Migration, file: &str, message: String) -> RunError {
        RunError::BadScript {
            version: migration.version.clone(),
            file: migration.path.join(file).display().to_string(),
            message,
        }
    }

    /// A transactional script must not control transactions itself.
    fn check_transactional(migration: &Migration, script: &str, file: &str) -> Result<(), RunError> {
        if let Some(statement) = split_statements(script)
            .iter()
            .find(|s| control(s) != Control::None)
        {
            return Err(Self::bad_script(
                migration,
                file,
                format!(
                    "the script runs in one transaction and cannot control transactions itself ({}): remove it, or put a line \
                     `{NO_TRANSACTION_MARKER}` in the script to run it as BEGIN ... COMMIT blocks and single statements",
                    first_line(statement)
                ),
            ));
        }
        Ok(())
    }

    async fn up_transactional(&self, migration: &Migration, previous: Option<&str>) -> Result<(), RunError> {
        Self::check_transactional(migration, &migration.up, "up.sql")?;
        let record = format!(
            "INSERT INTO {} (version, description, checksum, applied_at, execution_ms, success, steps_done, error) \
             VALUES ($1, $2, $3, now(), (extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, true, 1, NULL) \
             ON CONFLICT (version) DO UPDATE SET description = EXCLUDED.description, checksum = EXCLUDED.checksum, \
             applied_at = now(), execution_ms = EXCLUDED.execution_ms, success = true, steps_done = 1, error = NULL",
            self.table
        );
        let script = [migration.up.clone()];
        // The record runs last in the migration's transaction: now() is when it began and
        // clock_timestamp() is now, so execution_ms is the script's time.
        let result = retrying(self.options, || async {
            transaction(
                self.client,
                &script,
                &record,
                &[&migration.version, &migration.description, &migration.checksum],
            )
            .await
        })
        .await;
        let Err(gave_up) = result else {
            return Ok(());
        };
        let message = gave_up.message(Some(&migration.up), "up.sql");
        if gave_up.lock_timeout() {
            return Err(RunError::LockTimeout {
                version: migration.version.clone(),
                attempts: gave_up.attempts,
                message: describe(&gave_up.failure.source),
                statement: first_line(&gave_up.failure.statement),
                state: format!(
                    "nothing of it was applied, the database is still at version {}",
                    version_text(&previous.map(str::to_owned))
                ),
            });
        }
        Err(RunError::Failed {
            version: migration.version.clone(),
            message,
            previous: previous.map(str::to_owned),
        })
    }

    async fn down_transactional(&self, migration: &Migration) -> Result<(), RunError> {
        Self::check_transactional(migration, &migration.down, "down.sql")?;
        let record = format!("DELETE FROM {} WHERE version = $1", self.table);
        let script = [migration.down.clone()];
        let result = retrying(self.options, || async {
            transaction(self.client, &script, &record, &[&migration.version]).await
        })
        .await;
        let Err(gave_up) = result else {
            return Ok(());
        };
        if gave_up.lock_timeout() {
            return Err(RunError::LockTimeout {
                version: migration.version.clone(),
                attempts: gave_up.attempts,
                message: describe(&gave_up.failure.source),
                statement: first_line(&gave_up.failure.statement),
                state: format!(
                    "nothing of down.sql was applied, the database is still at version {}",
                    migration.version
                ),
            });
        }
        Err(RunError::RevertFailed {
            version: migration.version.clone(),
            message: gave_up.message(Some(&migration.down), "down.sql"),
        })
    }

    /// Run one unit (with retries) and record it as `record` says; `resuming` when the unit is the
    /// first one not recorded of an interrupted run, so it may have taken effect unrecorded.
    async fn run_unit(&self, unit: &Unit, record: Option<&Record<'_>>, resuming: bool) -> Result<(), GaveUp> {
        let record_sql = record.map(|r| r.sql(self.table));
        match unit {
            Unit::Block(statements) => {
                let record_sql = record_sql.unwrap_or_else(|| "SELECT 1".to_owned());
                retrying(self.options, || async {
                    transaction(self.client, statements, &record_sql, &[]).await
                })
                .await
            }
            Unit::Single(statement) => {
                let kind = kind(statement);
                if resuming && self.took_effect(&kind).await.map_err(once)? {
                    if let Some(sql) = &record_sql {
                        exec(self.client, sql).await.map_err(once)?;
                    }
                    return Ok(());
                }
                retrying(self.options, || async {
                    match &kind {
                        Kind::Transactional => match &record_sql {
                            // One message, one implicit transaction: done and recorded, or neither.
                            Some(sql) => match exec(self.client, &format!("{statement}\n;\n{sql}")).await {
                                Err(failure)
                                    if failure.source.code() == Some(&SqlState::ACTIVE_SQL_TRANSACTION) =>
                                {
                                    // A statement of a kind we do not know that cannot run in a
                                    // transaction: nothing ran; run it alone.
                                    exec(self.client, statement).await?;
                                    exec(self.client, sql).await
                                }
                                other => other,
                            },
                            None => exec(self.client, statement).await,
                        },
                        Kind::BuildIndex { name, table } => {
                            drop_invalid_index(self.client, name, table.as_deref()).await?;
                            exec(self.client, statement).await?;
                            self.record_after(record_sql.as_deref()).await
                        }
                        Kind::DetachPartition { parent, partition }
                            if self.detach_pending(parent, partition).await? =>
                        {
                            exec(
                                self.client,
                                &format!("ALTER TABLE {parent} DETACH PARTITION {partition} FINALIZE"),
                            )
                            .await?;
                            self.record_after(record_sql.as_deref()).await
                        }
                        Kind::DropIndex { .. } | Kind::DetachPartition { .. } | Kind::Outside => {
                            exec(self.client, statement).await?;
                            self.record_after(record_sql.as_deref()).await
                        }
                    }
                })
                .await
            }
        }
    }

    async fn record_after(&self, sql: Option<&str>) -> Result<(), StatementFailure> {
        match sql {
            Some(sql) => exec(self.client, sql).await,
            None => Ok(()),
        }
    }

    /// Whether a statement that cannot run in a transaction already took effect: the run that
    /// sent it died before recording it, and its session (which held the lock until it ended)
    /// may have finished it.
    async fn took_effect(&self, kind: &Kind) -> Result<bool, StatementFailure> {
        let query = |sql: &'static str| StatementFailure::from_query(sql);
        match kind {
            Kind::Transactional | Kind::Outside => Ok(false),
            Kind::BuildIndex { name, table } => {
                let sql = "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                           WHERE c.relname = $1 AND CASE WHEN $2::text IS NULL \
                           THEN c.relnamespace = current_schema()::regnamespace ELSE i.indrelid = to_regclass($2::text) END";
                let row = self
                    .client
                    .query_opt(sql, &[name, table])
                    .await
                    .map_err(query(sql))?;
                // Valid: built. Invalid: a build that did not finish, dropped and run again.
                Ok(row.is_some_and(|row| row.get::<_, bool>(0)))
            }
            Kind::DropIndex { names } => {
                let sql = "SELECT to_regclass($1) IS NULL";
                for name in names {
                    let gone: bool = self
                        .client
                        .query_one(sql, &[name])
                        .await
                        .map_err(query(sql))?
                        .get(0);
                    if !gone {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Kind::DetachPartition { parent, partition } => {
                let sql = "SELECT NOT EXISTS (SELECT FROM pg_inherits WHERE inhrelid = to_regclass($1) \
                           AND inhparent = to_regclass($2))";
                let detached: bool = self
                    .client
                    .query_one(sql, &[partition, parent])
                    .await
                    .map_err(query(sql))?
                    .get(0);
                Ok(detached)
            }
        }
    }

    /// A concurrent detach that stopped part way leaves the partition "detach pending".
    async fn detach_pending(&self, parent: &str, partition: &str) -> Result<bool, StatementFailure> {
        let sql = "SELECT coalesce(bool_or(inhdetachpending), false) FROM pg_inherits \
                   WHERE inhrelid = to_regclass($1) AND inhparent = to_regclass($2)";
        let row = self
            .client
            .query_one(sql, &[&partition, &parent])
            .await
            .map_err(StatementFailure::from_query(sql))?;
        Ok(row.get(0))
    }

    /// Record `message` as the error that stopped `version` (best effort), and say so when the
    /// connection is gone and it could not be.
    async fn record_error(&self, version: &str, mut message: String) -> String {
        let sql = format!("UPDATE {} SET error = $2 WHERE version = $1", self.table);
        if self.client.execute(&sql, &[&version, &message]).await.is_err() {
            message.push_str(" (the connection was lost, so this error is not in the history)");
        }
        message
    }

    /// Run a non-transactional up script unit by unit, resuming after `steps_done` units.
    async fn up_units(&self, migration: &Migration, has_row: bool, steps_done: i32) -> Result<(), RunError> {
        let units = units(&migration.up).map_err(|message| Self::bad_script(migration, "up.sql", message))?;
        let start = Instant::now();
        if !has_row {
            let sql = format!(
                "INSERT INTO {} (version, description, checksum, applied_at, execution_ms, success, steps_done, error) \
                 VALUES ($1, $2, $3, now(), 0, false, 0, NULL)",
                self.table
            );
            self.client
                .execute(
                    &sql,
                    &[&migration.version, &migration.description, &migration.checksum],
                )
                .await
                .map_err(statement_error(&sql))?;
        }
        let mut done = steps_done.max(0);
        for (index, unit) in units.iter().enumerate() {
            let after = i32::try_from(index + 1).unwrap_or(i32::MAX);
            if after <= done && !unit.only_settings() {
                continue;
            }
            let record = (after > done).then_some(Record {
                column: "steps_done",
                version: &migration.version,
                done: after,
            });
            let resuming = has_row && after == done + 1;
            if let Err(gave_up) = self.run_unit(unit, record.as_ref(), resuming).await {
                let message = self
                    .record_error(&migration.version, gave_up.message(None, "up.sql"))
                    .await;
                if gave_up.lock_timeout() {
                    return Err(RunError::LockTimeout {
                        version: migration.version.clone(),
                        attempts: gave_up.attempts,
                        message: describe(&gave_up.failure.source),
                        statement: first_line(&gave_up.failure.statement),
                        state: format!(
                            "step {} of {} was not applied; the {done} step(s) before it are done and recorded, and \
                             `migrate up` resumes at step {}",
                            done + 1,
                            units.len(),
                            done + 1
                        ),
                    });
                }
                return Err(RunError::Interrupted {
                    version: migration.version.clone(),
                    message,
                    steps_done: done,
                    steps_total: units.len(),
                });
            }
            done = done.max(after);
        }
        let sql = format!(
            "UPDATE {} SET success = true, error = NULL, steps_done = $2, execution_ms = $3, applied_at = now() WHERE version = $1",
            self.table
        );
        let total = i32::try_from(units.len()).unwrap_or(i32::MAX);
        self.client
            .execute(&sql, &[&migration.version, &total, &millis(start)])
            .await
            .map_err(statement_error(&sql))?;
        Ok(())
    }

    /// Run a non-transactional down script unit by unit, recording each (`down_steps_done`) and
    /// resuming after the units an interrupted revert did; then delete the history row.
    async fn down_units(&self, migration: &Migration, down_steps_done: Option<i32>) -> Result<(), RunError> {
        let units =
            units(&migration.down).map_err(|message| Self::bad_script(migration, "down.sql", message))?;
        let resumed = down_steps_done.is_some();
        let mut done = down_steps_done.unwrap_or(0).max(0);
        if !resumed {
            let sql = format!(
                "UPDATE {} SET down_steps_done = 0, error = NULL WHERE version = $1",
                self.table
            );
            self.client
                .execute(&sql, &[&migration.version])
                .await
                .map_err(statement_error(&sql))?;
        }
        for (index, unit) in units.iter().enumerate() {
            let after = i32::try_from(index + 1).unwrap_or(i32::MAX);
            if after <= done && !unit.only_settings() {
                continue;
            }
            let record = (after > done).then_some(Record {
                column: "down_steps_done",
                version: &migration.version,
                done: after,
            });
            let resuming = resumed && after == done + 1;
            if let Err(gave_up) = self.run_unit(unit, record.as_ref(), resuming).await {
                let message = self
                    .record_error(&migration.version, gave_up.message(None, "down.sql"))
                    .await;
                if gave_up.lock_timeout() {
                    return Err(RunError::LockTimeout {
                        version: migration.version.clone(),
                        attempts: gave_up.attempts,
                        message: describe(&gave_up.failure.source),
                        statement: first_line(&gave_up.failure.statement),
                        state: format!(
                            "reverting stopped at step {} of {} of down.sql; the {done} step(s) before it are done and \
                             recorded, and `migrate down` resumes at step {}",
                            done + 1,
                            units.len(),
                            done + 1
                        ),
                    });
                }
                return Err(RunError::RevertInterrupted {
                    version: migration.version.clone(),
                    message,
                    step: index + 1,
                    steps_total: units.len(),
                });
            }
            done = done.max(after);
        }
        let sql = format!("DELETE FROM {} WHERE version = $1", self.table);
        self.client
            .execute(&sql, &[&migration.version])
            .await
            .map_err(statement_error(&sql))?;
        Ok(())
    }
}

/// The bookkeeping of one unit: `column` (steps_done or down_steps_done) becomes `done`.
struct Record<'a> {
    column: &'static str,
    version: &'a str,
    done: i32,
}

impl Record<'_> {
    /// As a statement with its values inline, so it can share a simple-query message (one
    /// implicit transaction) with the statement it records.
    fn sql(&self, table: &str) -> String {
        format!(
            "UPDATE {table} SET {} = {} WHERE version = {}",
            self.column,
            self.done,
            quote_literal(self.version)
        )
    }
}

/// A failure of a bookkeeping statement, which is not retried.
fn once(failure: StatementFailure) -> GaveUp {
    GaveUp { failure, attempts: 1 }
}

/// The versions in `migrations` not in `history`: for callers that want the pending set.
pub fn pending_versions(history: &[Applied], migrations: &[Migration]) -> BTreeSet<String> {
    let applied: BTreeSet<&str> = history
        .iter()
        .filter(|r| r.success)
        .map(|r| r.version.as_str())
        .collect();
    migrations
        .iter()
        .filter(|m| !applied.contains(m.version.as_str()))
        .map(|m| m.version.clone())
        .collect()
}
