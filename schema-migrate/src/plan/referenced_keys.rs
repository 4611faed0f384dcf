//! The keys foreign keys reference: Postgres makes a foreign key use a unique index on exactly
//! its referenced columns that is checked row by row, so a key made `DEFERRABLE` cannot be
//! referenced (`cannot use a deferrable unique constraint for referenced table`). A plan that
//! would leave such a foreign key is refused before anything runs, rather than failing at apply
//! after the steps before it.

use std::collections::BTreeSet;

use schema_core::model::{Deferrable, IndexTarget, Schema, Table};

/// `(step, what to do instead)` for each foreign key of `to` whose referenced columns only a
/// deferrable primary key or unique constraint covers.
pub(super) fn deferrable_referenced(to: &Schema) -> Vec<(String, String)> {
    let mut refused = Vec::new();
    for table in &to.tables {
        for foreign_key in &table.foreign_keys {
            let Some(referenced) = to.table(&foreign_key.referenced_table) else {
                continue;
            };
            let columns: BTreeSet<&str> = foreign_key
                .referenced_columns
                .iter()
                .map(String::as_str)
                .collect();
            if immediate_key(referenced, &columns) {
                continue;
            }
            let Some(key) = deferrable_key(referenced, &columns) else {
                continue;
            };
            let list = foreign_key.referenced_columns.join(", ");
            refused.push((
                format!(
                    "foreign key {}.{} references {} ({list})",
                    table.name, foreign_key.name, referenced.name
                ),
                format!(
                    "Postgres cannot make a foreign key reference a deferrable key, and {key} on ({list}) is DEFERRABLE. \
                     Make that key not deferrable, or add a unique constraint (not deferrable) on ({list}) of {} for \
                     the foreign key to use, or drop the foreign key",
                    referenced.name
                ),
            ));
        }
    }
    refused
}

fn same_columns(key: &[String], columns: &BTreeSet<&str>) -> bool {
    key.len() == columns.len() && key.iter().all(|c| columns.contains(c.as_str()))
}

/// Whether a unique key checked row by row covers exactly `columns`: a primary key or unique
/// constraint not deferrable, or a unique index of plain columns without a predicate.
fn immediate_key(table: &Table, columns: &BTreeSet<&str>) -> bool {
    let immediate =
        |deferrable: Deferrable, key: &[String]| deferrable.is_not_deferrable() && same_columns(key, columns);
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| immediate(pk.deferrable, &pk.columns))
        || table.uniques.iter().any(|u| immediate(u.deferrable, &u.columns))
        || table.indexes.iter().any(|index| {
            let keys: Option<Vec<String>> = index
                .keys
                .iter()
                .map(|key| match &key.target {
                    IndexTarget::Column(column) => Some(column.clone()),
                    IndexTarget::Expression(_) => None,
                })
                .collect();
            index.unique
                && index.predicate.is_none()
                && index.method == "btree"
                && keys.is_some_and(|keys| same_columns(&keys, columns))
        })
}

/// The deferrable primary key or unique constraint of `table` on exactly `columns`, described.
fn deferrable_key(table: &Table, columns: &BTreeSet<&str>) -> Option<String> {
    if let Some(pk) = &table.primary_key
        && same_columns(&pk.columns, columns)
    {
        return Some(format!("the primary key {}.{}", table.name, pk.name));
    }
    table
        .uniques
        .iter()
        .find(|u| same_columns(&u.columns, columns))
        .map(|u| format!("the unique constraint {}.{}", table.name, u.name))
}
