//! Rehearsal on a copy of a real database: the source's schema and rows (all of them through
//! `CREATE DATABASE ... TEMPLATE` when the source is on the copy's server and idle, else a
//! sample) go into a throwaway database, where the pending migrations run up and then down,
//! statement by statement, each timed with the longest lock it held.
//!
//! The source is only read: its session is `default_transaction_read_only`, and the rows are read
//! in one `REPEATABLE READ READ ONLY` transaction, so the sample is consistent across tables.
//!
//! How a lock's hold is measured: after each statement inside a transaction, the session reads
//! its own granted relation locks from `pg_locks`; a lock counts from the start of the statement
//! after which it first shows to the end of its transaction (the COMMIT, or the statement itself
//! for one outside any transaction). A statement that cannot run in a transaction (`CREATE INDEX
//! CONCURRENTLY`) takes and releases its locks inside itself, so a second session samples the
//! working session's locks every few milliseconds while it runs, and such a lock counts for the
//! whole statement. Locks on the catalog are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use schema_core::ident::quote;
use schema_core::model::{Schema, Table};
use serde::Serialize;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use crate::db::{self, describe};
use crate::error::{Error, first_line};
use crate::inspect::{HISTORY_TABLE, InspectOptions, inspect};
use crate::migrations::Migration;
use crate::runner::{Kind, Unit, kind, units};
use crate::scratch::ScratchDb;
use crate::sql_split::{significant_tokens, split_statements};

mod sample;

/// Which rows are copied when the database cannot be copied whole.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sample {
    /// Each row that references no other table with this probability in percent (`TABLESAMPLE
    /// BERNOULLI`), and every row whose referenced rows are copied (see `sample`).
    Percent(f64),
    /// At most this many rows per table, the first by `ctid` among those whose referenced rows
    /// are copied.
    Rows(u64),
}

impl Sample {
    /// The sample taken when none is asked for and the database cannot be copied whole.
    pub const DEFAULT: Sample = Sample::Percent(1.0);

    /// `1%`, `0.5%` or a bare percentage.
    pub fn parse_percent(text: &str) -> Result<Sample, String> {
        let number = text.trim().trim_end_matches('%');
        match number.parse::<f64>() {
            Ok(p) if p > 0.0 && p <= 100.0 => Ok(Sample::Percent(p)),
            _ => Err(format!(
                "--sample takes a percentage above 0 and at most 100, such as `1%`, not `{text}`"
            )),
        }
    }

    fn describe(&self) -> String {
        match self {
            Sample::Percent(p) => {
                format!("{p}% of the rows that reference no other, with the rows referencing them")
            }
            Sample::Rows(n) => {
                format!("at most {n} row(s) of each table, among those whose referenced rows are copied")
            }
        }
    }
}

/// How a rehearsal runs.
#[derive(Debug, Clone)]
pub struct RehearseOptions {
    /// `None`: all rows when the database can be copied as a template, else [`Sample::DEFAULT`].
    pub sample: Option<Sample>,
    /// The session's lock_timeout and statement_timeout for scripts that set none (as `up`).
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
}

/// What a rehearsal did and found.
#[derive(Debug, Clone, Serialize)]
pub struct Rehearsal {
    pub copy: CopyReport,
    /// Each pending migration's up, in order, then their downs, newest first, as far as they ran.
    pub runs: Vec<ScriptRun>,
    /// The first statement that failed, if one did; nothing ran after it.
    pub failure: Option<StepFailure>,
}

/// How the throwaway database was filled.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    /// `template` (every row, `CREATE DATABASE ... TEMPLATE`) or `sample`.
    pub method: &'static str,
    /// Why the database was not copied whole, for a sample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
    /// Rows copied per table (a sample), after the ones whose referenced rows were not copied
    /// were left out.
    pub tables: Vec<TableCopy>,
    pub millis: u128,
    /// What the model cannot hold, which a sample's schema lacks.
    pub not_copied: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCopy {
    pub table: String,
    pub rows: u64,
    /// Sampled rows left out because a row they reference was not sampled.
    pub left_out: u64,
}

/// One script (a migration's up or down) as it ran.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptRun {
    pub migration: String,
    pub direction: &'static str,
    pub millis: u128,
    pub steps: Vec<StepRun>,
}

/// One statement (settings left out) and what it held.
#[derive(Debug, Clone, Serialize)]
pub struct StepRun {
    pub statement: String,
    pub millis: u128,
    /// The lock taken in this step and held longest; `None` when it took none on a table.
    pub longest_lock: Option<LockHeld>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockHeld {
    pub mode: String,
    pub relation: String,
    pub held_ms: u128,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepFailure {
    pub migration: String,
    pub direction: &'static str,
    pub statement: String,
    pub error: String,
}

/// A session on the source that cannot write.
pub async fn connect_read_only(url: &str) -> Result<Client, Error> {
    let client = db::connect(url).await?;
    db::execute(&client, "SET default_transaction_read_only = on").await?;
    Ok(client)
}

/// Where the copy is made, and how.
pub struct Target {
    /// A connection string to a database of the copy's server other than the source.
    pub server_url: String,
    /// The source database's name, when it is on that server and may be a template.
    pub template: Option<String>,
    /// Why not, when it may not.
    pub reason: Option<String>,
}

/// Decide how to copy: as a template when the source is a database of the copy's server with
/// no session on it (ours is closed first), else a sample. `source` is the read-only session,
/// which is closed on return.
pub async fn target(source: Client, server_url: &str, sample_asked: bool) -> Result<Target, Error> {
    let identity = "SELECT (SELECT system_identifier::text FROM pg_control_system()) || ':' || \
                    inet_server_port()::text || ':' || pg_postmaster_start_time()::text, current_database()";
    let source_row = source
        .query_one(identity, &[])
        .await
        .map_err(|e| statement_failed(identity, e))?;
    let source_server: Option<String> = source_row.get(0);
    let source_db: String = source_row.get(1);
    drop(source);
    let admin = db::connect(server_url).await?;
    let admin_row = admin
        .query_one(identity, &[])
        .await
        .map_err(|e| statement_failed(identity, e))?;
    let admin_server: Option<String> = admin_row.get(0);
    let admin_db: String = admin_row.get(1);
    let not = |reason: &str| Target {
        server_url: server_url.to_owned(),
        template: None,
        reason: Some(reason.to_owned()),
    };
    if sample_asked {
        return Ok(not("a sample was asked for"));
    }
    if source_server.is_none() || source_server != admin_server {
        return Ok(not("the source is on another server than the copy"));
    }
    if admin_db == source_db {
        return Ok(not("no other database of the server to connect to while copying"));
    }
    // Our own session closes asynchronously: give it a moment to be gone.
    let others = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()";
    let mut sessions = 0;
    for _ in 0..20 {
        sessions = admin
            .query_one(others, &[&source_db])
            .await
            .map_err(|e| statement_failed(others, e))?
            .get::<_, i64>(0);
        if sessions == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if sessions > 0 {
        return Ok(not(&format!(
            "{sessions} other session(s) use the source, and CREATE DATABASE ... TEMPLATE needs none"
        )));
    }
    Ok(Target {
        server_url: server_url.to_owned(),
        template: Some(source_db),
        reason: None,
    })
}

fn statement_failed(sql: &str, source: tokio_postgres::Error) -> Error {
    Error::Statement {
        sql: sql.to_owned(),
        source,
    }
}

/// Make the copy: a template copy when `target` allows it (falling back to a sample when the
/// server refuses it, a session having connected meanwhile), else a sample read from
/// `source_url` into a new database.
pub async fn make_copy(
    source_url: &str,
    target: &Target,
    sample: Sample,
) -> Result<(ScratchDb, CopyReport), Error> {
    let started = Instant::now();
    let mut reason = target.reason.clone();
    if let Some(template) = &target.template {
        match ScratchDb::create_from(&target.server_url, Some(template)).await {
            Ok(scratch) => {
                return Ok((
                    scratch,
                    CopyReport {
                        method: "template",
                        reason: None,
                        sample: None,
                        tables: Vec::new(),
                        millis: started.elapsed().as_millis(),
                        not_copied: Vec::new(),
                    },
                ));
            }
            Err(Error::Scratch { source, .. }) if source.code() == Some(&SqlState::OBJECT_IN_USE) => {
                reason = Some("a session connected to the source while copying it".to_owned());
            }
            Err(error) => return Err(error),
        }
    }
    let scratch = ScratchDb::create(&target.server_url).await?;
    let result = copy_sample(source_url, &scratch, sample).await;
    match result {
        Ok((tables, not_copied)) => Ok((
            scratch,
            CopyReport {
                method: "sample",
                reason,
                sample: Some(sample.describe()),
                tables,
                millis: started.elapsed().as_millis(),
                not_copied,
            },
        )),
        Err(error) => {
            let _ = scratch.drop_now().await;
            Err(error)
        }
    }
}

/// The source's schema (as the tool reads it) and a sample of its rows, foreign keys kept.
async fn copy_sample(
    source_url: &str,
    scratch: &ScratchDb,
    sample: Sample,
) -> Result<(Vec<TableCopy>, Vec<String>), Error> {
    let source = connect_read_only(source_url).await?;
    db::execute(&source, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
    // A deep chain of foreign keys makes a long query whose estimated cost passes the JIT
    // threshold: compiling it took far longer than running it.
    db::execute(&source, "SET LOCAL jit = off").await?;
    let inspection = inspect(&source, &InspectOptions::default()).await?;
    let schema = &inspection.schema;
    let copy = scratch.connect().await?;
    crate::normalize::apply_schema(&copy, schema).await?;
    // Rows go in as they are, without triggers (audit rows, updated_at) or foreign-key checks;
    // the rows whose referenced rows were not sampled are removed after.
    db::execute(&copy, "SET session_replication_role = replica")
        .await
        .map_err(|error| {
            Error::Other(format!(
                "copying rows needs a superuser on the copy's server (to load them without triggers): {error}"
            ))
        })?;
    let mut tables = Vec::new();
    let order = crate::seed::in_dependency_order(schema);
    // A new choice of rows at each rehearsal; the same within one (see `sample`).
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() ^ std::process::id());
    let chooser = sample::Chooser::new(&order, sample, seed);
    for (i, table) in order.iter().enumerate() {
        let columns: Vec<String> = table
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .map(|c| quote(&c.name))
            .collect();
        let list = columns.join(", ");
        let rows = copy_rows(
            &source,
            &copy,
            &chooser.copy_out(i, &list),
            &format!("COPY {} ({list}) FROM STDIN", quote(&table.name)),
        )
        .await?;
        tables.push(TableCopy {
            table: table.name.clone(),
            rows,
            left_out: 0,
        });
    }
    // The history says which migrations are pending on the copy as on the source.
    // A history still where earlier versions kept it is read there; the copy's is in its place.
    let history = crate::runner::history_table(&source)
        .await
        .map_err(|e| Error::Other(e.to_string()))?;
    if let Some(history) = history {
        crate::runner::ensure_history(&copy)
            .await
            .map_err(|e| Error::Other(e.to_string()))?;
        copy_rows(
            &source,
            &copy,
            &format!("COPY {history} TO STDOUT"),
            &format!("COPY {HISTORY_TABLE} FROM STDIN"),
        )
        .await?;
    }
    db::execute(&source, "COMMIT").await?;
    let left_out = remove_orphans(&copy, schema).await?;
    for copied in &mut tables {
        let n = left_out.get(copied.table.as_str()).copied().unwrap_or(0);
        copied.left_out = n;
        copied.rows -= n.min(copied.rows);
    }
    db::execute(&copy, "SET session_replication_role = DEFAULT").await?;
    for table in &schema.tables {
        advance_sequences(&copy, table).await?;
    }
    db::execute(&copy, "ANALYZE").await?;
    Ok((tables, inspection.unsupported.clone()))
}

/// Stream the rows of `copy_out` on `from` into `copy_in` on `to`; returns how many.
async fn copy_rows(from: &Client, to: &Client, copy_out: &str, copy_in: &str) -> Result<u64, Error> {
    let rows = from
        .copy_out(copy_out)
        .await
        .map_err(|e| statement_failed(copy_out, e))?;
    let sink = to
        .copy_in(copy_in)
        .await
        .map_err(|e| statement_failed(copy_in, e))?;
    let mut rows = std::pin::pin!(rows);
    let mut sink = std::pin::pin!(sink);
    while let Some(chunk) = rows.next().await {
        let chunk = chunk.map_err(|e| statement_failed(copy_out, e))?;
        sink.send(chunk).await.map_err(|e| statement_failed(copy_in, e))?;
    }
    sink.finish().await.map_err(|e| statement_failed(copy_in, e))
}

/// Delete the rows whose referenced row is missing, until none is (a removed row may be
/// referenced in turn); returns how many per table.
async fn remove_orphans<'a>(copy: &Client, schema: &'a Schema) -> Result<BTreeMap<&'a str, u64>, Error> {
    let mut removed: BTreeMap<&str, u64> = BTreeMap::new();
    loop {
        let mut any = false;
        for table in &schema.tables {
            for fk in &table.foreign_keys {
                let matches: Vec<String> = fk
                    .columns
                    .iter()
                    .zip(&fk.referenced_columns)
                    .map(|(c, r)| format!("p.{} = c.{}", quote(r), quote(c)))
                    .collect();
                // MATCH SIMPLE skips a key with a NULL column; MATCH FULL allows only all NULL,
                // which the source guaranteed.
                let set: Vec<String> = fk
                    .columns
                    .iter()
                    .map(|c| format!("c.{} IS NOT NULL", quote(c)))
                    .collect();
                let sql = format!(
                    "DELETE FROM {} c WHERE {} AND NOT EXISTS (SELECT FROM {} p WHERE {})",
                    quote(&table.name),
                    set.join(" AND "),
                    quote(&fk.referenced_table),
                    matches.join(" AND ")
                );
                let n = copy
                    .execute(&sql, &[])
                    .await
                    .map_err(|e| statement_failed(&sql, e))?;
                if n > 0 {
                    any = true;
                    *removed.entry(table.name.as_str()).or_default() += n;
                }
            }
        }
        if !any {
            return Ok(removed);
        }
    }
}

/// Move each identity or serial sequence past the copied keys, so a migration that inserts
/// does not collide with them.
async fn advance_sequences(copy: &Client, table: &Table) -> Result<(), Error> {
    let sql = "SELECT pg_get_serial_sequence($1, $2)";
    for column in &table.columns {
        let name = quote(&table.name);
        let sequence: Option<String> = copy
            .query_one(sql, &[&name, &column.name])
            .await
            .map_err(|e| statement_failed(sql, e))?
            .get(0);
        if let Some(sequence) = sequence {
            let set = format!(
                "SELECT setval($1::text::regclass, max({})::bigint) FROM {name} HAVING max({}) IS NOT NULL",
                quote(&column.name),
                quote(&column.name)
            );
            copy.execute(&set, &[&sequence])
                .await
                .map_err(|e| statement_failed(&set, e))?;
        }
    }
    Ok(())
}

/// A relation lock: the relation's oid and the mode.
type LockKey = (u32, String);

const OWN_LOCKS: &str = "SELECT l.relation::oid::bigint, l.mode FROM pg_locks l \
     WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.relation::oid::bigint >= 16384 \
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";

const SESSION_LOCKS: &str = "SELECT l.relation::oid::bigint, l.mode FROM pg_locks l \
     WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted AND l.relation::oid::bigint >= 16384 \
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";

/// The relations of the copy before a unit runs, by oid: a lock on one created since blocks no
/// one (no other session sees it before the unit ends), so it is not reported.
const RELATIONS: &str =
    "SELECT oid::bigint, relname::text, relkind = 'i' FROM pg_class WHERE oid::bigint >= 16384";

/// The table a `DROP INDEX CONCURRENTLY` works on, for the lock its kind takes.
const INDEX_TABLE: &str = "SELECT indrelid::bigint FROM pg_index WHERE indexrelid = to_regclass($1)";

/// The locks held in the current unit (a transaction, or one statement outside any), each with
/// the step that took it and when.
struct Holds {
    first: BTreeMap<LockKey, (usize, Instant)>,
}

/// A relation's name, and whether it is an index (a table's lock is shown before its index's).
#[derive(Debug, Clone)]
struct Relation {
    name: String,
    index: bool,
}

/// Runs scripts on the copy, statement by statement, watching the locks.
pub struct Rehearser {
    work: Client,
    watcher: Client,
    pid: i32,
    /// The relations before the current unit.
    relations: BTreeMap<u32, Relation>,
    session_defaults: String,
}

impl Rehearser {
    pub async fn new(copy_url: &str, options: &RehearseOptions) -> Result<Rehearser, Error> {
        let work = db::connect(copy_url).await?;
        let watcher = db::connect(copy_url).await?;
        let pid: i32 = work
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .map_err(|e| statement_failed("SELECT pg_backend_pid()", e))?
            .get(0);
        let session_defaults = format!(
            "SET lock_timeout = '{}ms'; SET statement_timeout = '{}ms'",
            options.lock_timeout.as_millis(),
            options.statement_timeout.as_millis()
        );
        Ok(Rehearser {
            work,
            watcher,
            pid,
            relations: BTreeMap::new(),
            session_defaults,
        })
    }

    async fn read_relations(&mut self) -> Result<(), Error> {
        let rows = self
            .work
            .query(RELATIONS, &[])
            .await
            .map_err(|e| statement_failed(RELATIONS, e))?;
        self.relations = rows
            .iter()
            .map(|row| {
                (
                    oid(row.get(0)),
                    Relation {
                        name: row.get(1),
                        index: row.get(2),
                    },
                )
            })
            .collect();
        Ok(())
    }

    /// Run one script (up or down); on failure, the failed statement and the error.
    pub async fn run(
        &mut self,
        migration: &Migration,
        direction: &'static str,
    ) -> Result<Result<ScriptRun, (ScriptRun, StepFailure)>, Error> {
        let (script, transactional) = match direction {
            "up" => (&migration.up, migration.up_transactional()),
            _ => (&migration.down, migration.down_transactional()),
        };
        let mut run = ScriptRun {
            migration: migration.name(),
            direction,
            millis: 0,
            steps: Vec::new(),
        };
        let fail = |run: ScriptRun, statement: &str, error: String| {
            Ok(Err((
                run,
                StepFailure {
                    migration: migration.name(),
                    direction,
                    statement: first_line(statement),
                    error,
                },
            )))
        };
        db::execute(&self.work, &self.session_defaults).await?;
        let units = if transactional {
            vec![Unit::Block(split_statements(script))]
        } else {
            match units(script) {
                Ok(units) => units,
                Err(message) => return fail(run, "", message),
            }
        };
        let started = Instant::now();
        for unit in &units {
            let outcome = match unit {
                Unit::Single(statement) if is_setting(statement) => self
                    .work
                    .batch_execute(statement)
                    .await
                    .err()
                    .map(|e| (statement.clone(), e)),
                Unit::Block(statements) => {
                    self.read_relations().await?;
                    self.block(statements, &mut run).await?
                }
                Unit::Single(statement) => {
                    self.read_relations().await?;
                    match kind(statement) {
                        Kind::Transactional => match self
                            .block(std::slice::from_ref(statement), &mut run)
                            .await?
                        {
                            // Not a statement a transaction can hold after all: run it alone.
                            Some((_, error)) if error.code() == Some(&SqlState::ACTIVE_SQL_TRANSACTION) => {
                                self.outside(statement, &mut run).await?
                            }
                            other => other,
                        },
                        _ => self.outside(statement, &mut run).await?,
                    }
                }
            };
            if let Some((statement, error)) = outcome {
                run.millis = started.elapsed().as_millis();
                let _ = self.work.batch_execute("ROLLBACK; RESET ALL").await;
                return fail(run, &statement, describe(&error));
            }
        }
        run.millis = started.elapsed().as_millis();
        db::execute(&self.work, "RESET ALL").await?;
        Ok(Ok(run))
    }

    /// Statements in one transaction, each timed, the session's locks read after each.
    async fn block(
        &mut self,
        statements: &[String],
        run: &mut ScriptRun,
    ) -> Result<Option<(String, tokio_postgres::Error)>, Error> {
        if let Err(error) = self.work.batch_execute("BEGIN").await {
            return Ok(Some(("BEGIN".to_owned(), error)));
        }
        let mut holds = Holds {
            first: BTreeMap::new(),
        };
        let mut steps = Vec::new();
        for statement in statements {
            let start = Instant::now();
            if let Err(error) = self.work.batch_execute(statement).await {
                let _ = self.work.batch_execute("ROLLBACK").await;
                return Ok(Some((statement.clone(), error)));
            }
            let millis = start.elapsed().as_millis();
            if is_setting(statement) {
                continue;
            }
            let rows = self
                .work
                .query(OWN_LOCKS, &[])
                .await
                .map_err(|e| statement_failed(OWN_LOCKS, e))?;
            for row in rows {
                holds
                    .first
                    .entry((oid(row.get(0)), row.get(1)))
                    .or_insert((steps.len(), start));
            }
            steps.push(StepRun {
                statement: first_line(statement),
                millis,
                longest_lock: None,
            });
        }
        if let Err(error) = self.work.batch_execute("COMMIT").await {
            return Ok(Some(("COMMIT".to_owned(), error)));
        }
        self.settle(holds, Instant::now(), &mut steps);
        run.steps.extend(steps);
        Ok(None)
    }

    /// One statement outside any transaction, its locks sampled from the second session.
    async fn outside(
        &mut self,
        statement: &str,
        run: &mut ScriptRun,
    ) -> Result<Option<(String, tokio_postgres::Error)>, Error> {
        // What its kind takes, for a statement too short for a sample to see.
        let known = match kind(statement) {
            Kind::BuildIndex {
                table: Some(table), ..
            } => {
                self.regclass("SELECT to_regclass($1)::oid::bigint", &table)
                    .await?
            }
            Kind::DropIndex { names } => match names.first() {
                Some(index) => self.regclass(INDEX_TABLE, index).await?,
                None => None,
            },
            _ => None,
        };
        let start = Instant::now();
        let mut seen: BTreeSet<LockKey> = BTreeSet::new();
        let mut watch_error = None;
        let result = {
            let watcher = &self.watcher;
            let pid = self.pid;
            let seen = &mut seen;
            let watch_error = &mut watch_error;
            let watching = async move {
                loop {
                    match watcher.query(SESSION_LOCKS, &[&pid]).await {
                        Ok(rows) => seen.extend(rows.iter().map(|r| (oid(r.get(0)), r.get::<_, String>(1)))),
                        Err(error) => {
                            *watch_error = Some(error);
                            std::future::pending::<()>().await;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            };
            tokio::select! {
                result = self.work.batch_execute(statement) => result,
                () = watching => unreachable!("the watcher never ends"),
            }
        };
        if let Some(error) = watch_error {
            return Err(statement_failed(SESSION_LOCKS, error));
        }
        if let Err(error) = result {
            return Ok(Some((statement.to_owned(), error)));
        }
        let end = Instant::now();
        if let Some(table) = known {
            seen.insert((table, "ShareUpdateExclusiveLock".to_owned()));
        }
        let mut steps = vec![StepRun {
            statement: first_line(statement),
            millis: (end - start).as_millis(),
            longest_lock: None,
        }];
        let holds = Holds {
            first: seen.into_iter().map(|key| (key, (0, start))).collect(),
        };
        self.settle(holds, end, &mut steps);
        run.steps.extend(steps);
        Ok(None)
    }

    async fn regclass(&self, sql: &str, name: &str) -> Result<Option<u32>, Error> {
        let row = self
            .work
            .query_opt(sql, &[&name])
            .await
            .map_err(|e| statement_failed(sql, e))?;
        Ok(row.and_then(|row| row.get::<_, Option<i64>>(0)).map(oid))
    }

    /// Give each step of a unit that ended at `end` the lock held longest while it ran (taken
    /// by it or by a step before it in the unit), on a relation that existed before the unit; of
    /// two held as long, a table's before an index's, then the stronger.
    fn settle(&self, holds: Holds, end: Instant, steps: &mut [StepRun]) {
        for (index, step) in steps.iter_mut().enumerate() {
            let best = holds
                .first
                .iter()
                .filter(|(_, (taken, _))| *taken <= index)
                .filter_map(|((relation, mode), (_, start))| {
                    let relation = self.relations.get(relation)?;
                    Some((end - *start, !relation.index, mode_rank(mode), mode, relation))
                })
                .max_by_key(|(held, table, rank, _, _)| (*held, *table, *rank));
            step.longest_lock = best.map(|(held, _, _, mode, relation)| LockHeld {
                mode: mode.clone(),
                relation: relation.name.clone(),
                held_ms: held.as_millis(),
            });
        }
    }
}

fn oid(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Lock modes from weakest to strongest, to prefer the stronger of two held as long.
fn mode_rank(mode: &str) -> usize {
    const MODES: [&str; 8] = [
        "AccessShareLock",
        "RowShareLock",
        "RowExclusiveLock",
        "ShareUpdateExclusiveLock",
        "ShareLock",
        "ShareRowExclusiveLock",
        "ExclusiveLock",
        "AccessExclusiveLock",
    ];
    MODES.iter().position(|m| *m == mode).unwrap_or(0)
}

fn is_setting(statement: &str) -> bool {
    significant_tokens(statement)
        .first()
        .is_some_and(|t| t.is_word("SET") || t.is_word("RESET"))
}

/// Run the pending migrations' ups in order, then their downs newest first, stopping at the
/// first failure.
pub async fn rehearse(
    copy_url: &str,
    pending: &[&Migration],
    options: &RehearseOptions,
) -> Result<(Vec<ScriptRun>, Option<StepFailure>), Error> {
    let mut rehearser = Rehearser::new(copy_url, options).await?;
    let mut runs = Vec::new();
    let ups = pending.iter().map(|m| (*m, "up"));
    let downs = pending.iter().rev().map(|m| (*m, "down"));
    for (migration, direction) in ups.chain(downs) {
        match rehearser.run(migration, direction).await? {
            Ok(run) => runs.push(run),
            Err((run, failure)) => {
                runs.push(run);
                return Ok((runs, Some(failure)));
            }
        }
    }
    Ok((runs, None))
}
