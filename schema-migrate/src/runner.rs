//! Apply the migrations directory to a database, and revert it.
//!
//! The history lives in [`HISTORY_TABLE`], one row per applied (or interrupted) migration. Every
//! run holds a Postgres advisory lock ([`LOCK_KEY`]) on a connection of its own for its whole
//! duration, so concurrent runners (several app instances starting at once) apply each migration
//! exactly once: the ones that waited find nothing left to do.
//!
//! A migration's script runs in one of two ways:
//! - **transactional** (the default): the whole script and its history row in one transaction.
//!   It applies completely or not at all.
//! - **non-transactional** (a line of the script is [`NO_TRANSACTION_MARKER`]): the script is a
//!   sequence of units, each a `BEGIN ... COMMIT` block (one transaction) or a single statement
//!   outside a block (`CREATE INDEX CONCURRENTLY`, `SET lock_timeout = ...`). The history row is
//!   written first (`success = false`) and records the number of units done, so a run that stops
//!   part way (an error, a crash) is resumed by the next `up` after the last unit done. Units that
//!   only `SET`/`RESET` settings are always run again, as they set up the session for the units
//!   after them. An invalid index left by a failed `CREATE INDEX CONCURRENTLY` is dropped before
//!   the build runs again. A block records its progress in its own transaction; a single
//!   statement records it right after it succeeds, so a crash between the two runs that one
//!   statement again.
//!
//! A unit (or a transactional script) that fails because a lock was not granted within
//! `lock_timeout` (SQLSTATE 55P03) is retried with backoff, as [`ApplyOptions`] says.
//!
//! Session settings a script changes (`SET lock_timeout`, `SET search_path`) are reset
//! (`RESET ALL`) after each migration, so they do not leak into the next one.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde::Serialize;
use tokio_postgres::Client;
use tokio_postgres::error::{ErrorPosition, SqlState};

use crate::apply::{ApplyOptions, GaveUp, StatementFailure, drop_invalid_index, exec, retrying};
use crate::db::{self, describe};
use crate::error::{Error, first_line};
use crate::migrations::{Migration, NO_TRANSACTION_MARKER};
use crate::sql_split::{Token, TokenKind, significant_tokens, split_statements};

pub use crate::inspect::HISTORY_TABLE;

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
    /// The error that stopped a non-transactional migration.
    pub error: Option<String>,
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
         restore its files (git checkout), or put the change in a new migration"
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
         restore it (git checkout, or pull the branch that added it); if it was removed on purpose, delete its row: \
         DELETE FROM {HISTORY_TABLE} WHERE version = '{version}'"
    )]
    MissingFile { version: String, description: String },

    #[error(
        "migration {version}_{description} was interrupted after {steps_done} step(s) and its files changed since: restore its files \
         (git checkout) and run `migrate up` to resume it, or undo its steps done by hand and delete its row \
         (DELETE FROM {HISTORY_TABLE} WHERE version = '{version}') to run the edited version from the start"
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
        "migration {version} failed and was rolled back: {message}; the database is still at version {}",
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
         fix the cause, then run `migrate up` again to resume at step {}",
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
         a conflicting lock: {message}); {state}. Retry when the tables are less busy, or raise lock_timeout (in: {statement})."
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
        "migration {version} is only partly applied ({steps_done} step(s) done, then: {}): run `migrate up` to finish it before reverting it",
        .error.as_deref().unwrap_or("interrupted")
    )]
    NotFinished {
        version: String,
        steps_done: i32,
        error: Option<String>,
    },

    #[error(
        "reverting migration {version} failed and was rolled back: {message}; the database is still at version {version}"
    )]
    RevertFailed { version: String, message: String },

    #[error(
        "reverting migration {version} stopped at step {step} of {steps_total} of down.sql: {message}; the steps before it are done \
         and the migration is still recorded as applied: finish or undo them by hand (the next `migrate down` runs down.sql from \
         its first step)"
    )]
    RevertInterrupted {
        version: String,
        message: String,
        step: usize,
        steps_total: usize,
    },
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

/// The advisory lock, held by a connection of its own. Dropping the guard drops the connection,
/// and closing the session releases the lock: on every path, errors and panics included.
struct LockGuard {
    _client: Client,
}

async fn lock(url: &str) -> Result<LockGuard, RunError> {
    let client = db::connect(url).await?;
    let sql = "SELECT pg_advisory_lock($1)";
    client
        .execute(sql, &[&LOCK_KEY])
        .await
        .map_err(statement_error(sql))?;
    Ok(LockGuard { _client: client })
}

/// Create the history table if it does not exist.
pub async fn ensure_history(client: &Client) -> Result<(), RunError> {
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (\n\
         version text PRIMARY KEY,\n\
         description text NOT NULL,\n\
         checksum text NOT NULL,\n\
         applied_at timestamptz NOT NULL DEFAULT now(),\n\
         execution_ms bigint NOT NULL DEFAULT 0,\n\
         success boolean NOT NULL,\n\
         steps_done integer NOT NULL DEFAULT 0,\n\
         error text\n)"
    );
    db::execute(client, &sql).await?;
    Ok(())
}

/// The schema-qualified, quoted name of the history table, or `None` when it does not exist.
async fn history_table(client: &Client) -> Result<Option<String>, RunError> {
    let sql = "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c \
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1::text)";
    let row = client
        .query_opt(sql, &[&HISTORY_TABLE])
        .await
        .map_err(statement_error(sql))?;
    Ok(row.map(|row| row.get(0)))
}

/// The history, oldest version first; empty when the table does not exist.
pub async fn history(client: &Client) -> Result<Vec<Applied>, RunError> {
    match history_table(client).await? {
        Some(table) => read_history(client, &table).await,
        None => Ok(Vec::new()),
    }
}

async fn read_history(client: &Client, table: &str) -> Result<Vec<Applied>, RunError> {
    let sql = format!(
        "SELECT version, description, checksum, applied_at, execution_ms, success, steps_done, error \
         FROM {table} ORDER BY version"
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

/// Take the run's advisory lock, connect, and make sure the history table exists; returns the
/// lock guard (hold it for the whole run), the connection and the history table's qualified name.
async fn open(url: &str) -> Result<(LockGuard, Client, String), RunError> {
    let lock = lock(url).await?;
    let client = db::connect(url).await?;
    ensure_history(&client).await?;
    let table = history_table(&client).await?.ok_or_else(|| {
        RunError::Db(Error::Other(format!(
            "the table {HISTORY_TABLE} is not visible after creating it"
        )))
    })?;
    Ok((lock, client, table))
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
    let (_lock, client, table) = open(url).await?;
    let history = read_history(&client, &table).await?;
    validate(&history, migrations)?;
    let rows: BTreeMap<&str, &Applied> = history.iter().map(|row| (row.version.as_str(), row)).collect();
    let mut previous = history
        .iter()
        .filter(|row| row.success)
        .map(|row| row.version.clone())
        .max();

    let mut ordered: Vec<&Migration> = migrations.iter().collect();
    ordered.sort_by(|a, b| a.version.cmp(&b.version));
    let runner = Runner {
        client: &client,
        table: &table,
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
        runner.reset_session().await;
        result?;
        applied.push(migration.version.clone());
        previous = Some(migration.version.clone());
    }
    Ok(applied)
}

/// Revert applied migrations, newest first, with their down.sql. Returns the versions reverted.
pub async fn down(
    url: &str,
    migrations: &[Migration],
    target: DownTarget,
    options: &ApplyOptions,
) -> Result<Vec<String>, RunError> {
    let (_lock, client, table) = open(url).await?;
    let mut history = read_history(&client, &table).await?;
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
        if !row.success {
            return Err(RunError::NotFinished {
                version: row.version.clone(),
                steps_done: row.steps_done,
                error: row.error.clone(),
            });
        }
        plan.push(migration);
    }
    let runner = Runner {
        client: &client,
        table: &table,
        options,
    };
    let mut reverted = Vec::new();
    for migration in plan {
        let result = if migration.down_transactional() {
            runner.down_transactional(migration).await
        } else {
            runner.down_units(migration).await
        };
        runner.reset_session().await;
        result?;
        reverted.push(migration.version.clone());
    }
    Ok(reverted)
}

/// A unit of a non-transactional script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// The statements between a `BEGIN` and its `COMMIT`, run in one transaction.
    Block(Vec<String>),
    /// One statement, run on its own.
    Single(String),
}

impl Unit {
    pub fn statements(&self) -> &[String] {
        match self {
            Unit::Block(statements) => statements,
            Unit::Single(statement) => std::slice::from_ref(statement),
        }
    }

    /// Only `SET`/`RESET` statements: cheap, and needed by the session for the units after it,
    /// so run again when a migration resumes.
    pub fn only_settings(&self) -> bool {
        let statements = self.statements();
        !statements.is_empty()
            && statements.iter().all(|s| {
                significant_tokens(s)
                    .first()
                    .is_some_and(|t| t.is_word("SET") || t.is_word("RESET"))
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Begin,
    Commit,
    Rollback,
    None,
}

fn control(statement: &str) -> Control {
    let tokens = significant_tokens(statement);
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|t: &Token<'_>| t.is_word(w));
    if word(0, "BEGIN") || (word(0, "START") && word(1, "TRANSACTION")) {
        Control::Begin
    } else if (word(0, "COMMIT") && !word(1, "PREPARED")) || word(0, "END") {
        Control::Commit
    } else if (word(0, "ROLLBACK") && !word(1, "TO") && !word(1, "PREPARED")) || word(0, "ABORT") {
        Control::Rollback
    } else {
        Control::None
    }
}

/// Split a non-transactional script into its units.
pub fn units(script: &str) -> Result<Vec<Unit>, String> {
    let mut units = Vec::new();
    let mut block: Option<Vec<String>> = None;
    for statement in split_statements(script) {
        match (control(&statement), block.as_mut()) {
            (Control::Begin, None) => block = Some(Vec::new()),
            (Control::Begin, Some(_)) => {
                return Err(format!(
                    "BEGIN inside a BEGIN ... COMMIT block: {}",
                    first_line(&statement)
                ));
            }
            (Control::Commit, Some(_)) => units.push(Unit::Block(block.take().unwrap_or_default())),
            (Control::Commit, None) => {
                return Err(format!("COMMIT without BEGIN: {}", first_line(&statement)));
            }
            (Control::Rollback, _) => {
                return Err(format!(
                    "a migration script cannot ROLLBACK (a failing statement rolls its block back): {}",
                    first_line(&statement)
                ));
            }
            (Control::None, Some(statements)) => statements.push(statement),
            (Control::None, None) => units.push(Unit::Single(statement)),
        }
    }
    if block.is_some() {
        return Err("BEGIN without COMMIT: end the block with COMMIT".to_owned());
    }
    Ok(units)
}

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY name ON table ...` builds: its name, and the
/// table as written (for `to_regclass`).
pub fn concurrent_index(statement: &str) -> Option<(String, Option<String>)> {
    let tokens = significant_tokens(statement);
    let mut i = 0;
    let expect = |word: &str, i: &mut usize| {
        let found = tokens.get(*i).is_some_and(|t| t.is_word(word));
        if found {
            *i += 1;
        }
        found
    };
    if !expect("CREATE", &mut i) {
        return None;
    }
    expect("UNIQUE", &mut i);
    if !(expect("INDEX", &mut i) && expect("CONCURRENTLY", &mut i)) {
        return None;
    }
    if expect("IF", &mut i) && !(expect("NOT", &mut i) && expect("EXISTS", &mut i)) {
        return None;
    }
    let name = tokens.get(i)?;
    if name.is_word("ON") {
        // No name: Postgres chooses one, and nothing can be left under it to drop.
        return None;
    }
    let name = identifier(name)?;
    i += 1;
    if !expect("ON", &mut i) {
        return Some((name, None));
    }
    expect("ONLY", &mut i);
    let mut table = String::new();
    while let Some(token) = tokens.get(i) {
        if !matches!(token.kind, TokenKind::Word | TokenKind::QuotedIdent) {
            break;
        }
        table.push_str(token.text);
        i += 1;
        if tokens.get(i).is_some_and(|t| t.text == ".") {
            table.push('.');
            i += 1;
        } else {
            break;
        }
    }
    Some((name, (!table.is_empty()).then_some(table)))
}

/// The name an identifier token stands for: unquoted ones fold to lower case.
fn identifier(token: &Token<'_>) -> Option<String> {
    match token.kind {
        TokenKind::Word => Some(token.text.to_lowercase()),
        TokenKind::QuotedIdent if token.text.len() >= 2 && token.text.ends_with('"') => {
            Some(token.text[1..token.text.len() - 1].replace("\"\"", "\""))
        }
        _ => None,
    }
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
    async fn reset_session(&self) {
        let _ = self.client.batch_execute("RESET ALL").await;
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
        let start = Instant::now();
        let record = format!(
            "INSERT INTO {} (version, description, checksum, applied_at, execution_ms, success, steps_done, error) \
             VALUES ($1, $2, $3, now(), $4, true, 1, NULL) \
             ON CONFLICT (version) DO UPDATE SET description = EXCLUDED.description, checksum = EXCLUDED.checksum, \
             applied_at = now(), execution_ms = EXCLUDED.execution_ms, success = true, steps_done = 1, error = NULL",
            self.table
        );
        let script = [migration.up.clone()];
        let result = retrying(self.options, || async {
            let elapsed = millis(start);
            transaction(
                self.client,
                &script,
                &record,
                &[
                    &migration.version,
                    &migration.description,
                    &migration.checksum,
                    &elapsed,
                ],
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

    /// Run one unit (with retries); `steps` is the bookkeeping to do with it, if any:
    /// `(version, steps_done after it)`.
    async fn run_unit(&self, unit: &Unit, steps: Option<(&str, i32)>) -> Result<(), GaveUp> {
        let record = format!("UPDATE {} SET steps_done = $2 WHERE version = $1", self.table);
        match unit {
            Unit::Block(statements) => {
                retrying(self.options, || async {
                    match steps {
                        Some((version, done)) => {
                            transaction(self.client, statements, &record, &[&version, &done]).await
                        }
                        None => transaction(self.client, statements, "SELECT 1", &[]).await,
                    }
                })
                .await
            }
            Unit::Single(statement) => {
                let index = concurrent_index(statement);
                retrying(self.options, || async {
                    if let Some((name, table)) = &index {
                        drop_invalid_index(self.client, name, table.as_deref()).await?;
                    }
                    exec(self.client, statement).await
                })
                .await?;
                if let Some((version, done)) = steps {
                    self.client
                        .execute(&record, &[&version, &done])
                        .await
                        .map_err(|source| GaveUp {
                            failure: StatementFailure {
                                statement: record.clone(),
                                source,
                            },
                            attempts: 1,
                        })?;
                }
                Ok(())
            }
        }
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
            let steps = (after > done).then_some((migration.version.as_str(), after));
            if let Err(gave_up) = self.run_unit(unit, steps).await {
                let mut message = gave_up.message(None, "up.sql");
                // Best effort: the steps done are recorded already, and the failure is what the
                // user must see, even when it closed the connection (a terminated backend).
                let sql = format!("UPDATE {} SET error = $2 WHERE version = $1", self.table);
                if self
                    .client
                    .execute(&sql, &[&migration.version, &message])
                    .await
                    .is_err()
                {
                    message.push_str(" (the connection was lost, so this error is not in the history)");
                }
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

    /// Run a non-transactional down script unit by unit, then delete the history row.
    async fn down_units(&self, migration: &Migration) -> Result<(), RunError> {
        let units =
            units(&migration.down).map_err(|message| Self::bad_script(migration, "down.sql", message))?;
        for (index, unit) in units.iter().enumerate() {
            if let Err(gave_up) = self.run_unit(unit, None).await {
                let message = gave_up.message(None, "down.sql");
                if gave_up.lock_timeout() {
                    return Err(RunError::LockTimeout {
                        version: migration.version.clone(),
                        attempts: gave_up.attempts,
                        message: describe(&gave_up.failure.source),
                        statement: first_line(&gave_up.failure.statement),
                        state: format!(
                            "reverting stopped at step {} of {} of down.sql; the steps before it are done and the migration is \
                             still recorded as applied: finish or undo them by hand",
                            index + 1,
                            units.len()
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
        }
        let sql = format!("DELETE FROM {} WHERE version = $1", self.table);
        self.client
            .execute(&sql, &[&migration.version])
            .await
            .map_err(statement_error(&sql))?;
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_units() {
        let script = "-- migrate:no-transaction\nSET lock_timeout = '1s';\nBEGIN;\nCREATE TABLE a ();\nCREATE TABLE b ();\nCOMMIT;\n\
                      CREATE INDEX CONCURRENTLY i ON a ((1));\nRESET lock_timeout;";
        let units = units(script).unwrap();
        assert_eq!(units.len(), 4);
        assert!(units[0].only_settings());
        assert_eq!(
            units[1],
            Unit::Block(vec![
                "CREATE TABLE a ()".to_owned(),
                "CREATE TABLE b ()".to_owned()
            ])
        );
        assert!(!units[1].only_settings());
        assert_eq!(
            units[2],
            Unit::Single("CREATE INDEX CONCURRENTLY i ON a ((1))".to_owned())
        );
        assert!(units[3].only_settings());
    }

    #[test]
    fn refuses_unbalanced_blocks() {
        assert!(units("BEGIN; SELECT 1;").unwrap_err().contains("without COMMIT"));
        assert!(units("SELECT 1; COMMIT;").unwrap_err().contains("without BEGIN"));
        assert!(units("BEGIN; BEGIN; COMMIT;").unwrap_err().contains("inside"));
        assert!(units("BEGIN; ROLLBACK;").unwrap_err().contains("ROLLBACK"));
        assert_eq!(
            units("start transaction; savepoint s; rollback to s; end;").unwrap(),
            [Unit::Block(vec![
                "savepoint s".to_owned(),
                "rollback to s".to_owned()
            ])]
        );
    }

    #[test]
    fn finds_concurrent_index_builds() {
        assert_eq!(
            concurrent_index("CREATE INDEX CONCURRENTLY Users_Email ON public.users (email)"),
            Some(("users_email".to_owned(), Some("public.users".to_owned())))
        );
        assert_eq!(
            concurrent_index(
                "-- c\ncreate unique index concurrently if not exists \"A b\" on only \"T\" using btree (x)"
            ),
            Some(("A b".to_owned(), Some("\"T\"".to_owned())))
        );
        assert_eq!(concurrent_index("CREATE INDEX CONCURRENTLY ON t (a)"), None);
        assert_eq!(concurrent_index("CREATE INDEX i ON t (a)"), None);
        assert_eq!(concurrent_index("DROP INDEX CONCURRENTLY i"), None);
    }

    #[test]
    fn classifies_transaction_control() {
        assert_eq!(control("BEGIN"), Control::Begin);
        assert_eq!(control("begin isolation level serializable"), Control::Begin);
        assert_eq!(control("START TRANSACTION"), Control::Begin);
        assert_eq!(control("COMMIT"), Control::Commit);
        assert_eq!(control("end"), Control::Commit);
        assert_eq!(control("ROLLBACK"), Control::Rollback);
        assert_eq!(control("ROLLBACK TO SAVEPOINT s"), Control::None);
        assert_eq!(
            control("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END"),
            Control::None
        );
        assert_eq!(control("COMMIT PREPARED 'x'"), Control::None);
    }
}
