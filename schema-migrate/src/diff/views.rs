//! Views and materialized views, matched by name. A view whose definition changes, that reads a
//! table whose columns change (Postgres refuses to change or drop a column a view uses), that
//! calls a function dropped and created again, or that reads a view that is rebuilt, is dropped
//! before the changes and created again after them; views are dropped dependents first and
//! created in dependency order. An unchanged materialized view's indexes are diffed like a
//! table's.

use std::collections::BTreeSet;

use schema_core::model::{Index, Schema, View, rename_identifier};

use super::Change;

pub(crate) fn diff_views(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    if from.views.is_empty() && to.views.is_empty() {
        return;
    }
    // Relations whose columns change under the views that read them.
    let mut touched: BTreeSet<String> = BTreeSet::new();
    // Tables renamed in their namespace: a view follows them (by oid), and is printed with the
    // new name; one moved to another namespace is printed qualified, and is rebuilt.
    let mut renamed: Vec<(&str, &str)> = Vec::new();
    // Functions dropped while declared: Postgres refuses while a view calls one.
    touched.extend(super::functions::rebuilt_functions(changes));
    for change in changes.iter() {
        match change {
            Change::AlterColumn { table, from, to } if from.ty != to.ty || from.collation != to.collation => {
                touched.insert(table.clone());
            }
            Change::DropColumn { table, .. } | Change::RenameColumn { table, .. } => {
                touched.insert(table.clone());
            }
            Change::DropTable(t) | Change::CreateTable(t) => {
                touched.insert(t.name.clone());
            }
            Change::RenameTable { from, to }
                if schema_core::ident::namespace_of(from) == schema_core::ident::namespace_of(to) =>
            {
                renamed.push((from, to));
            }
            Change::RenameTable { from, to } => {
                touched.insert(from.clone());
                touched.insert(to.clone());
            }
            // Converted to the new type (added values: by the down, which recreates the type).
            Change::RecreateEnum { columns, .. } | Change::AddEnumValues { columns, .. } => {
                touched.extend(columns.iter().map(|c| c.table.clone()));
            }
            _ => {}
        }
    }
    // The old query as Postgres prints it after the renames: a view that only follows a renamed
    // table keeps its rows, grants and dependents (a materialized view is not computed again).
    let same = |old: &View, new: &View| {
        let query = renamed.iter().fold(old.query.clone(), |query, (from, to)| {
            rename_identifier(&query, from, to)
        });
        query == new.query && old.materialized == new.materialized
    };
    let mut rebuilt: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = rebuilt.len();
        for new in &to.views {
            let Some(old) = from.view(&new.name) else {
                continue;
            };
            if rebuilt.contains(&new.name) {
                continue;
            }
            let reads_changed = touched
                .iter()
                .chain(rebuilt.iter())
                .any(|r| old.names(r) || new.names(r));
            if !same(old, new) || reads_changed {
                rebuilt.insert(new.name.clone());
            }
        }
        if rebuilt.len() == before {
            break;
        }
    }
    for old in from.views_in_dependency_order().into_iter().rev() {
        if to.view(&old.name).is_none() || rebuilt.contains(&old.name) {
            changes.push(Change::DropView(old.clone()));
        }
    }
    for new in to.views_in_dependency_order() {
        match from.view(&new.name) {
            None => changes.push(Change::CreateView(new.clone())),
            Some(_) if rebuilt.contains(&new.name) => changes.push(Change::CreateView(new.clone())),
            Some(old) => {
                if old.comment != new.comment {
                    changes.push(Change::SetViewComment {
                        view: new.name.clone(),
                        materialized: new.materialized,
                        from: old.comment.clone(),
                        to: new.comment.clone(),
                    });
                }
                // Indexes compared by definition; a comment changes on its own.
                let in_old =
                    |index: &Index| old.indexes.iter().find(|o| o.definition() == index.definition());
                for index in &old.indexes {
                    if !new.indexes.iter().any(|n| n.definition() == index.definition()) {
                        changes.push(Change::DropIndex {
                            table: new.name.clone(),
                            index: index.clone(),
                        });
                    }
                }
                let mut kept = Vec::new();
                for index in &new.indexes {
                    match in_old(index) {
                        Some(o) => kept.push((o.clone(), index.clone())),
                        None => changes.push(Change::CreateIndex {
                            table: new.name.clone(),
                            index: index.clone(),
                        }),
                    }
                }
                super::index_comments(&new.name, &kept, changes);
            }
        }
    }
}
