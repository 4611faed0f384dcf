//! A unique index that becomes a unique constraint on the same columns (or the other way round)
//! keeps its index: Postgres attaches an index to a constraint with `USING INDEX`, so uniqueness
//! is enforced at every moment, where dropping one and building the other leaves a window.

use schema_core::model::{Index, IndexTarget, SortOrder, UniqueConstraint};

use super::Change;

/// Whether Postgres can attach `index` as the constraint `unique` (`ADD CONSTRAINT ... UNIQUE
/// USING INDEX`): a plain unique btree index over exactly the constraint's columns, in order,
/// with default ordering, no predicate, no included columns.
pub(crate) fn attachable(index: &Index, unique: &UniqueConstraint) -> bool {
    index.unique
        && index.method == "btree"
        && index.predicate.is_none()
        && index.include.is_empty()
        && index.nulls_not_distinct == unique.nulls_not_distinct
        && index.keys.len() == unique.columns.len()
        && index.keys.iter().zip(&unique.columns).all(|(key, column)| {
            key.target == IndexTarget::Column(column.clone())
                && key.collation.is_none()
                && key.opclass.is_none()
                && key.order == SortOrder::Asc
                && key.nulls.is_none()
        })
}

/// Pair each dropped unique index with a unique constraint added on the same table over the same
/// columns (and each dropped unique constraint with such an index created), and turn each pair
/// into one change that keeps the index.
pub(crate) fn keep_indexes(changes: &mut Vec<Change>) {
    let mut i = 0;
    while i < changes.len() {
        let paired = match &changes[i] {
            Change::DropIndex { table, index } => changes.iter().position(|other| {
                matches!(other, Change::AddUnique { table: t, unique } if t == table && attachable(index, unique))
            }),
            Change::DropUnique { table, unique } => changes.iter().position(|other| {
                matches!(other, Change::CreateIndex { table: t, index } if t == table && attachable(index, unique))
            }),
            _ => None,
        };
        let Some(j) = paired else {
            i += 1;
            continue;
        };
        let merged = match (&changes[i], &changes[j]) {
            (Change::DropIndex { table, index }, Change::AddUnique { unique, .. }) => Change::IndexToUnique {
                table: table.clone(),
                index: index.clone(),
                unique: unique.clone(),
            },
            (Change::DropUnique { table, unique }, Change::CreateIndex { index, .. }) => {
                Change::UniqueToIndex {
                    table: table.clone(),
                    unique: unique.clone(),
                    index: index.clone(),
                }
            }
            _ => unreachable!("paired above"),
        };
        changes[i] = merged;
        changes.remove(j);
        if j < i {
            i -= 1;
        }
        i += 1;
    }
}
