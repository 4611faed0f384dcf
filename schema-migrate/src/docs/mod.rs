//! Schema documentation: markdown pages with a Mermaid ER diagram, written from the declared
//! schema (or from a live database's inspection), without a database.
//!
//! `pages` writes the overview, one page per table and the migration history; `mermaid` the ER
//! diagram (and a check of its grammar); `cascade` what a delete reaches. The pages are a pure
//! function of the schema, its declarations and the migrations (sorted, no clock), so `check`
//! can compare them byte for byte with the committed ones and name the stale pages.

pub mod cascade;
pub mod mermaid;
pub mod pages;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use schema_core::declare::{TableDef, Tenancy};
use schema_core::model::Schema;
use schema_core::{DeclaredSchema, Renames};

use crate::migrations::Migration;
use crate::plan::{PlanOptions, plan};

/// Where the documented schema comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The schema declared in code, with its declarations (tenancy, reasons) and migrations.
    Declared,
    /// A live database: no declarations, no history.
    Database,
}

/// One migration, as the history page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub version: String,
    pub description: String,
    /// From the version (`YYYYMMDDHHMMSS`, UTC): when it was generated.
    pub date: String,
    /// What its plan does, one summary per step (empty for a hand-written migration).
    pub steps: Vec<String>,
    /// `kind: message` of each hazard of its steps.
    pub hazards: Vec<String>,
    /// Hazards acknowledged in its up.sql, with their reasons.
    pub acknowledged: Vec<(String, String)>,
}

/// What the pages are written from.
pub struct Docs<'a> {
    pub schema: &'a Schema,
    pub origin: Origin,
    /// The declarations, by table name (empty from a database).
    pub defs: BTreeMap<&'a str, &'a TableDef>,
    pub history: Vec<HistoryEntry>,
    /// What the database holds that the model cannot (from a database).
    pub not_compared: &'a [String],
}

impl<'a> Docs<'a> {
    /// The declared schema and its migrations (oldest first).
    pub fn declared(declared: &'a DeclaredSchema, migrations: &[Migration]) -> Self {
        Docs {
            schema: &declared.schema,
            origin: Origin::Declared,
            defs: declared
                .tables
                .iter()
                .map(|d| (d.table.name.as_str(), d))
                .collect(),
            history: history(migrations),
            not_compared: &[],
        }
    }

    /// A schema read from a database, with what the inspector could not represent.
    pub fn database(schema: &'a Schema, not_compared: &'a [String]) -> Self {
        Docs {
            schema,
            origin: Origin::Database,
            defs: BTreeMap::new(),
            history: Vec::new(),
            not_compared,
        }
    }

    pub fn def(&self, table: &str) -> Option<&'a TableDef> {
        self.defs.get(table).copied()
    }

    /// A table's tenancy: declared, or (from a database) inferred: the table that tenant keys
    /// `organization_id` reference is the root, a table with an `organization_id` column a tenant
    /// table, any other a global one.
    pub fn tenancy(&self, table: &str) -> Tenancy {
        if let Some(def) = self.def(table) {
            return def.tenancy;
        }
        let root = self.schema.tables.iter().any(|t| {
            t.foreign_keys
                .iter()
                .any(|fk| fk.referenced_table == table && fk.columns == ["organization_id"])
        });
        let has_key = self
            .schema
            .tables
            .iter()
            .find(|t| t.name == table)
            .is_some_and(|t| t.columns.iter().any(|c| c.name == "organization_id"));
        if root && !has_key {
            Tenancy::Root
        } else if has_key {
            Tenancy::Tenant
        } else {
            Tenancy::Global
        }
    }

    /// The pages, by path relative to the docs directory.
    pub fn pages(&self) -> BTreeMap<String, String> {
        pages::render(self)
    }
}

fn history(migrations: &[Migration]) -> Vec<HistoryEntry> {
    let options = PlanOptions::default();
    let mut previous = Schema::default();
    let mut out = Vec::new();
    for migration in migrations {
        let Ok(snapshot) = migration.snapshot.schema() else {
            continue;
        };
        let steps = plan(
            &previous,
            snapshot,
            &Renames::default(),
            &PlanOptions {
                allow_destructive: true,
                ..options.clone()
            },
        )
        .map(|p| p.steps)
        .unwrap_or_default();
        let v = &migration.version;
        let date = if v.len() == 14 {
            format!(
                "{}-{}-{} {}:{}:{} UTC",
                &v[0..4],
                &v[4..6],
                &v[6..8],
                &v[8..10],
                &v[10..12],
                &v[12..14]
            )
        } else {
            v.clone()
        };
        out.push(HistoryEntry {
            version: v.clone(),
            description: migration.description.replace('_', " "),
            date,
            hazards: steps
                .iter()
                .flat_map(|s| {
                    s.hazards
                        .iter()
                        .map(move |h| format!("{} ({}): {}", h.kind.name(), s.summary, h.message))
                })
                .collect(),
            steps: steps.iter().map(|s| s.summary.clone()).collect(),
            acknowledged: crate::ack::acknowledged(&migration.up)
                .into_iter()
                .map(|(k, r)| (k.name().to_owned(), r))
                .collect(),
        });
        previous = snapshot.clone();
    }
    out
}

/// The default docs directory: `docs/schema/` beside the migrations directory.
pub fn default_dir(migrations: &Path) -> PathBuf {
    let parent = match migrations.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parent.join("docs").join("schema")
}

/// The markdown files under `dir` (and `dir/tables`), relative, that `pages` would own.
fn existing(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for (sub, prefix) in [(dir.to_path_buf(), ""), (dir.join("tables"), "tables/")] {
        let entries = match std::fs::read_dir(&sub) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && entry.file_type()?.is_file() {
                out.push(format!("{prefix}{name}"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The pages that differ from the files in `dir`: missing, changed, or left over (a page of a
/// table that is gone). Sorted.
pub fn stale(dir: &Path, pages: &BTreeMap<String, String>) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for (path, text) in pages {
        match std::fs::read(dir.join(path)) {
            Ok(bytes) if bytes == text.as_bytes() => {}
            Ok(_) => out.push(path.clone()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => out.push(path.clone()),
            Err(e) => return Err(e),
        }
    }
    for path in existing(dir)? {
        if !pages.contains_key(&path) {
            out.push(path);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Write the pages to `dir`, removing left-over pages; returns the pages that changed.
pub fn write(dir: &Path, pages: &BTreeMap<String, String>) -> io::Result<Vec<String>> {
    let changed = stale(dir, pages)?;
    std::fs::create_dir_all(dir.join("tables"))?;
    for path in &changed {
        let target = dir.join(path);
        match pages.get(path) {
            Some(text) => std::fs::write(&target, text)?,
            None => std::fs::remove_file(&target)?,
        }
    }
    Ok(changed)
}
