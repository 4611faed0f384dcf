//! Extensions, matched by name. A new one is created before anything that may use its types or
//! functions, a dropped one goes after everything that used them; a change of version (`ALTER
//! EXTENSION ... UPDATE`) or of schema (`SET SCHEMA`) is done in place.

use schema_core::model::Schema;

use super::Change;

pub(crate) fn diff_extensions(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    for old in &from.extensions {
        if to.extension(&old.name).is_none() {
            changes.push(Change::DropExtension(old.clone()));
        }
    }
    for new in &to.extensions {
        match from.extension(&new.name) {
            None => changes.push(Change::CreateExtension(new.clone())),
            Some(old) if old != new => changes.push(Change::AlterExtension {
                from: old.clone(),
                to: new.clone(),
            }),
            Some(_) => {}
        }
    }
}
