//! Namespaces: created before anything goes into them, dropped after everything has left.
//! `public` is never created nor dropped (it is not in [`Schema::namespaces`]).

use schema_core::model::Schema;

use super::Change;

pub(super) fn diff_schemas(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let (old, new) = (from.namespaces(), to.namespaces());
    for name in new.iter().filter(|name| !old.contains(name)) {
        changes.push(Change::CreateSchema(name.clone()));
    }
    for name in old.iter().filter(|name| !new.contains(name)) {
        changes.push(Change::DropSchema(name.clone()));
    }
}
