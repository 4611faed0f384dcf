//! Lint: static analysis of migration SQL, for the hazards the planner avoids in the migrations it
//! generates, on SQL it did not write (hand-written migrations, edited ones, scripts from
//! elsewhere): locks that stop a busy table, rewrites, steps that fail on a table with rows,
//! statements that cannot run where they are, and the project's multi-tenant conventions.
//!
//! A script is split into statements the way the runner splits it, each parsed with `sqlparser`'s
//! Postgres dialect (`lint/parse.rs` says what happens when it cannot) and checked in order, with what
//! the earlier statements did: a table created in the same script is new and empty, so indexing
//! or constraining it is no hazard; a `SET [LOCAL] lock_timeout` covers the statements after it;
//! a file runs in one transaction unless it has a `-- migrate:no-transaction` line, and then its
//! `BEGIN ... COMMIT` blocks do (a file with blocks but no marker is reported once, and read as
//! its blocks).
//!
//! Every [`Finding`] names its [`Rule`], its line, and the safe alternative. A finding is
//! suppressed for one statement by a comment on the lines directly above it (or inside it, or
//! after it on its last line), and for a whole file by `lint:allow-file`; a reason is required:
//!
//! ```sql
//! -- lint:allow missing-organization-id currencies are shared by every tenant
//! CREATE TABLE currencies (code char(3) PRIMARY KEY);
//! ```
//!
//! In a migrations directory each migration's `up.sql` is checked against the previous
//! migration's snapshot (column types) and its own (tables declared there without
//! `organization_id` passed the schema compiler's tenancy check: they are global by
//! declaration), and its `down.sql` may drop what its `up.sql` creates: that is its reverse.

mod check;
mod ddl;
mod facts;
mod parse;
mod rules;
mod source;

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use schema_core::model::Schema;
use serde::Serialize;

pub use rules::{Rule, Severity};

use crate::Error;

const UP_FILE: &str = "up.sql";
const DOWN_FILE: &str = "down.sql";
const SNAPSHOT_FILE: &str = "schema.json";

/// Something a rule found in a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// The script, as given to [`lint_sql`] or found by [`lint_path`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The first line of the statement.
    pub statement: String,
    /// What is wrong.
    pub message: String,
    /// The safe alternative.
    pub fix: String,
}

impl fmt::Display for Finding {
    /// `up.sql:12: [rule] message` and an indented `fix:` line, like a compiler's diagnostics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: [{}] {}\n  fix: {}",
            self.file, self.line, self.rule, self.message, self.fix
        )
    }
}

/// What a script creates: the tables, and the columns added to tables that existed before it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    pub tables: BTreeSet<String>,
    pub columns: BTreeSet<(String, String)>,
}

/// How to lint a script.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Rules not to report (`--allow`).
    pub allow: BTreeSet<Rule>,
    /// The schema before the script runs, when known (the previous migration's snapshot): the
    /// old type of a column whose type changes.
    pub before: Option<Schema>,
    /// The schema the script leads to, when known (the migration's snapshot): tables declared
    /// there are not reported for lacking `organization_id`; the schema compiler has checked them.
    pub after: Option<Schema>,
    /// For a `down.sql`: what its `up.sql` creates. Dropping it is the migration's reverse.
    pub reverts: Option<Created>,
}

/// Lint one script. `file` labels the findings. Never fails: a statement that cannot be parsed
/// is a `parse-error` finding, and the next statements are still checked.
pub fn lint_sql(file: &str, sql: &str, options: &LintOptions) -> Vec<Finding> {
    check::check(file, sql, options).0
}

/// The tables and columns a script creates (what its down migration may drop).
pub fn created_by(sql: &str) -> Created {
    check::check("", sql, &LintOptions::default()).1
}

/// Lint a file, or every `.sql` file under a directory (in name order, `.`-entries skipped).
/// A migration directory (one holding `up.sql` or `down.sql`) is linted with what its snapshots
/// and its `up.sql` tell (see the module documentation).
pub fn lint_path(path: &Path, options: &LintOptions) -> Result<Vec<Finding>, Error> {
    let metadata = fs::metadata(path).map_err(|source| Error::Io {
        message: "cannot lint",
        path: path.to_path_buf(),
        source,
    })?;
    let mut findings = Vec::new();
    if metadata.is_dir() {
        lint_dir(path, options, &mut findings)?;
    } else {
        let migration = path
            .parent()
            .filter(|dir| is_migration(dir))
            .zip(path.file_name().and_then(|n| n.to_str()))
            .filter(|(_, name)| [UP_FILE, DOWN_FILE].contains(name));
        match migration {
            Some((dir, name)) => lint_migration(dir, Some(name), options, &mut findings)?,
            None => findings.extend(lint_sql(&label(path), &read(path)?, options)),
        }
    }
    Ok(findings)
}

fn label(path: &Path) -> String {
    path.display().to_string()
}

fn read(path: &Path) -> Result<String, Error> {
    fs::read_to_string(path).map_err(|source| Error::Io {
        message: "cannot read",
        path: path.to_path_buf(),
        source,
    })
}

/// A directory's entries, `.`-entries skipped, in name order.
fn entries(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |source| Error::Io {
        message: "cannot read directory",
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            paths.push(entry.path());
        }
    }
    paths.sort();
    Ok(paths)
}

fn is_sql(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql"))
}

fn is_migration(dir: &Path) -> bool {
    dir.join(UP_FILE).is_file() || dir.join(DOWN_FILE).is_file()
}

fn lint_dir(dir: &Path, options: &LintOptions, findings: &mut Vec<Finding>) -> Result<(), Error> {
    if is_migration(dir) {
        return lint_migration(dir, None, options, findings);
    }
    for path in entries(dir)? {
        if path.is_dir() {
            lint_dir(&path, options, findings)?;
        } else if is_sql(&path) {
            findings.extend(lint_sql(&label(&path), &read(&path)?, options));
        }
    }
    Ok(())
}

/// A migration's snapshot; None when it is missing or unreadable (`migrate check` reports that).
fn snapshot(dir: &Path) -> Option<Schema> {
    let text = fs::read_to_string(dir.join(SNAPSHOT_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The snapshot of the migration before `dir` in its migrations directory.
fn previous_snapshot(dir: &Path) -> Option<Schema> {
    let name = dir.file_name()?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let siblings = entries(parent).ok()?;
    siblings
        .iter()
        .rfind(|p| p.file_name().is_some_and(|n| n < name) && p.is_dir() && is_migration(p))
        .and_then(|p| snapshot(p))
}

/// Lint a migration's `up.sql` and `down.sql` (or only the file `only`), and any other `.sql`
/// file in its directory.
fn lint_migration(
    dir: &Path,
    only: Option<&str>,
    options: &LintOptions,
    findings: &mut Vec<Finding>,
) -> Result<(), Error> {
    let own = snapshot(dir);
    let previous = previous_snapshot(dir);
    let up_path = dir.join(UP_FILE);
    let up = if up_path.is_file() {
        Some(read(&up_path)?)
    } else {
        None
    };
    if let Some(up) = &up
        && only.is_none_or(|name| name == UP_FILE)
    {
        let options = LintOptions {
            before: options.before.clone().or_else(|| previous.clone()),
            after: options.after.clone().or_else(|| own.clone()),
            ..options.clone()
        };
        findings.extend(lint_sql(&label(&up_path), up, &options));
    }
    let down_path = dir.join(DOWN_FILE);
    if down_path.is_file() && only.is_none_or(|name| name == DOWN_FILE) {
        let options = LintOptions {
            before: options.before.clone().or(own),
            after: options.after.clone().or(previous),
            reverts: options.reverts.clone().or_else(|| up.as_deref().map(created_by)),
            ..options.clone()
        };
        findings.extend(lint_sql(&label(&down_path), &read(&down_path)?, &options));
    }
    if only.is_none() {
        for path in entries(dir)? {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_sql(&path) && name != UP_FILE && name != DOWN_FILE {
                findings.extend(lint_sql(&label(&path), &read(&path)?, options));
            }
        }
    }
    Ok(())
}
