//! The cascade reach of a delete: what deleting one row of a table removes, changes or is blocked
//! by, following `ON DELETE` actions transitively.
//!
//! A row deleted in table T deletes the rows of every table with an `ON DELETE CASCADE` key into T,
//! and so on; `SET NULL` / `SET DEFAULT` keys into a deleted table change their rows (which stops
//! there: the changed rows are not deleted); `RESTRICT` / `NO ACTION` keys into a deleted table
//! block the delete while a referencing row exists. Cycles end: a table is visited once.
//!
//! A RESTRICT / NO ACTION key from a table the same delete also reaches is subtler: Postgres runs
//! the cascades and the checks as after-row triggers, in the order they were queued, level by
//! level of the cascade. When the referencing table is reached no later than the referenced one
//! (its depth, the number of cascading keys from the deleted table, is not greater), its rows
//! are gone before the check runs: a tenant's invoices deleted with the tenant do not block the
//! deletion of its customers. When it is reached later, the check can run first and fail: such a
//! key is listed as one that may block.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use schema_core::model::{ReferentialAction, Schema};

/// What deleting one row of a table does to the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Tables whose rows may be deleted with it (by CASCADE, transitively), the table itself
    /// excluded unless a cascading key of its own reaches it again.
    pub deletes: BTreeSet<String>,
    /// Tables whose referencing columns are set to NULL or their default: `table -> [constraint]`.
    pub sets: BTreeMap<String, BTreeSet<String>>,
    /// Tables whose referencing rows block the delete (RESTRICT or NO ACTION), with the
    /// constraint: `table -> [constraint]`.
    pub blocked_by: BTreeMap<String, BTreeSet<String>>,
    /// RESTRICT / NO ACTION keys from tables the delete reaches later than the rows they
    /// reference: the check may run before the cascade removes the referencing rows.
    pub may_be_blocked_by: BTreeMap<String, BTreeSet<String>>,
}

/// An `ON DELETE` edge: `child.constraint` references `parent`.
struct Edge<'a> {
    child: &'a str,
    constraint: &'a str,
    action: ReferentialAction,
}

/// The reach of deleting one row of `table` in `schema`.
pub fn reach(schema: &Schema, table: &str) -> Reach {
    let mut into: BTreeMap<&str, Vec<Edge>> = BTreeMap::new();
    for child in &schema.tables {
        for fk in &child.foreign_keys {
            into.entry(fk.referenced_table.as_str()).or_default().push(Edge {
                child: &child.name,
                constraint: &fk.name,
                action: fk.on_delete,
            });
        }
    }
    let mut reach = Reach::default();
    // Breadth first: a table's depth is the fewest cascading keys from the deleted table.
    let mut depth: BTreeMap<&str, usize> = BTreeMap::from([(table, 0)]);
    let mut queue: VecDeque<&str> = VecDeque::from([table]);
    let mut sets: Vec<(&str, &str)> = Vec::new();
    let mut restricts: Vec<(&str, &str, &str)> = Vec::new();
    while let Some(parent) = queue.pop_front() {
        let level = depth[parent];
        for edge in into.get(parent).into_iter().flatten() {
            match edge.action {
                ReferentialAction::Cascade => {
                    reach.deletes.insert(edge.child.to_owned());
                    if !depth.contains_key(edge.child) {
                        depth.insert(edge.child, level + 1);
                        queue.push_back(edge.child);
                    }
                }
                ReferentialAction::SetNull | ReferentialAction::SetDefault => {
                    sets.push((edge.child, edge.constraint));
                }
                ReferentialAction::Restrict | ReferentialAction::NoAction => {
                    restricts.push((edge.child, parent, edge.constraint));
                }
            }
        }
    }
    // A table reached by the delete loses the rows that would block or be changed (the ones of
    // the same tenant, in a tenant schema): it is listed as deleted only.
    for (child, constraint) in sets {
        if !reach.deletes.contains(child) {
            reach
                .sets
                .entry(child.to_owned())
                .or_default()
                .insert(constraint.to_owned());
        }
    }
    for (child, parent, constraint) in restricts {
        let target = match depth.get(child) {
            // The deleted table's own rows referencing the deleted row go with it only through a
            // cascading key; a RESTRICT key of a table to itself blocks.
            Some(&d) if reach.deletes.contains(child) && d <= depth[parent] => continue,
            Some(_) if reach.deletes.contains(child) => &mut reach.may_be_blocked_by,
            _ => &mut reach.blocked_by,
        };
        target
            .entry(child.to_owned())
            .or_default()
            .insert(constraint.to_owned());
    }
    reach
}

#[cfg(test)]
mod tests {
    use schema_core::model::{Column, ColumnType, ForeignKey, ReferentialAction, Schema, Table};

    use super::reach;

    fn table(name: &str, keys: &[(&str, &str, ReferentialAction)]) -> Table {
        let mut table = Table::new(name, vec![Column::new("id", ColumnType::BigInt)]);
        table.foreign_keys = keys
            .iter()
            .map(|(column, parent, action)| ForeignKey {
                name: format!("{name}_{column}_fkey"),
                columns: vec![(*column).to_owned()],
                referenced_table: (*parent).to_owned(),
                referenced_columns: vec!["id".to_owned()],
                on_delete: *action,
                on_delete_set_columns: Vec::new(),
                on_update: ReferentialAction::NoAction,
                deferrable: Default::default(),
                match_full: false,
                not_valid: false,
            })
            .collect();
        table
    }

    #[test]
    fn cycles_end_and_reached_tables_do_not_block() {
        use ReferentialAction::*;
        let schema = Schema {
            tables: vec![
                table("a", &[("b_id", "b", Cascade)]),
                table("b", &[("a_id", "a", Cascade)]),
                table("c", &[("b_id", "b", Restrict), ("a_id", "a", Cascade)]),
                table("d", &[("b_id", "b", NoAction)]),
                table("e", &[("a_id", "a", SetNull)]),
                table("f", &[("f_id", "f", Cascade)]),
            ],
            ..Schema::default()
        };
        let of_a = reach(&schema, "a");
        assert_eq!(of_a.deletes, ["a", "b", "c"].map(String::from).into());
        assert_eq!(of_a.blocked_by.keys().collect::<Vec<_>>(), ["d"]);
        assert_eq!(of_a.sets.keys().collect::<Vec<_>>(), ["e"]);
        let of_f = reach(&schema, "f");
        assert_eq!(of_f.deletes, ["f"].map(String::from).into());
        let of_d = reach(&schema, "d");
        assert_eq!(of_d, super::Reach::default());
    }
}
