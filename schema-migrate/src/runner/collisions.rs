//! Before a down runs: the names its `down.sql` would create, against the database as it is now.
//!
//! A plan is checked against the names of the database it was made for, but objects the
//! migrations do not hold (a hand-made view, a composite type, a table made outside the
//! migrations) may take a name after the up freed it. The down would then fail part way or, for a
//! statement that replaces, destroy what it never compared. So the runner reads the database's
//! names again, under its lock, and refuses the down before running anything.

use std::collections::BTreeMap;

use schema_core::Renames;
use schema_core::model::Schema;
use tokio_postgres::Client;

use super::RunError;
use crate::diff::{Change, diff};
use crate::inspect::{InspectOptions, inspect};
use crate::migrations::Migration;
use crate::plan::{down_collisions, down_creates_names, taken_names};

/// One step of a down that would take a taken name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownCollision {
    /// `{version}_{description}` of the migration.
    pub migration: String,
    /// The step, as the plan summarizes it (`the down of drop table t`).
    pub step: String,
    /// The name, as the model spells it (`t`, `billing.t`).
    pub name: String,
    /// What holds it in the database (`a view`, `a composite type`).
    pub what: String,
}

/// Refuse reverting `reverting` (newest first, all applied) when a down would create an object
/// under a name something the migrations do not hold takes in the database behind `client`.
///
/// A migration's changes are the diff of the snapshot before it (the previous migration's in
/// `migrations`, or nothing) to its own. What the migrations do not hold is what the inspector
/// cannot compare, and what it reads that the newest snapshot reverted lacks (the database
/// stands there before the downs, and those objects stay through them).
pub(super) async fn check(
    client: &Client,
    migrations: &[Migration],
    reverting: &[&Migration],
) -> Result<(), RunError> {
    let Some(newest) = reverting.first() else {
        return Ok(());
    };
    let mut ordered: Vec<&Migration> = migrations.iter().collect();
    ordered.sort_by(|a, b| a.version.cmp(&b.version));
    let empty = Schema::default();
    let mut downs: Vec<(&Migration, &Schema, &Schema, Vec<Change>)> = Vec::new();
    for migration in reverting {
        let before = match ordered.iter().rev().find(|m| m.version < migration.version) {
            Some(previous) => previous.snapshot.schema()?,
            None => &empty,
        };
        let after = migration.snapshot.schema()?;
        let changes = diff(before, after, &Renames::default());
        if down_creates_names(&changes) {
            downs.push((migration, before, after, changes));
        }
    }
    // Most downs create nothing (they drop what the up created): no need to read the database.
    if downs.is_empty() {
        return Ok(());
    }
    let current = newest.snapshot.schema()?;
    let read = InspectOptions::declared(
        std::iter::once(current).chain(downs.iter().flat_map(|(_, before, after, _)| [*before, *after])),
    );
    let live = inspect(client, &read).await.map_err(crate::Error::from)?;
    let held = taken_names(current);
    let mut foreign: BTreeMap<String, String> = live.unmodelled_names;
    for (name, what) in taken_names(&live.schema) {
        if !held.contains_key(&name) {
            foreign.entry(name).or_insert(what);
        }
    }
    let collisions: Vec<DownCollision> = downs
        .iter()
        .flat_map(|(migration, _, _, changes)| {
            down_collisions(changes, &foreign)
                .into_iter()
                .map(|(step, name, what)| DownCollision {
                    migration: migration.name(),
                    step,
                    name,
                    what,
                })
        })
        .collect();
    if collisions.is_empty() {
        Ok(())
    } else {
        Err(RunError::DownCollides {
            collisions,
            reverted: Vec::new(),
        })
    }
}

/// What was reverted before the refusal, for [`RunError::DownCollides`]'s one line.
pub(super) fn reverted_first(reverted: &[String]) -> String {
    if reverted.is_empty() {
        "nothing was reverted".to_owned()
    } else {
        format!(
            "only the down resumed part way was finished ({}), and nothing after it was reverted",
            reverted.join(", ")
        )
    }
}

/// The collisions, for [`RunError::DownCollides`]'s one line.
pub(super) fn describe(collisions: &[DownCollision]) -> String {
    collisions
        .iter()
        .map(|c| {
            format!(
                "{}: {}: {} is {} in the database",
                c.migration, c.step, c.name, c.what
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
