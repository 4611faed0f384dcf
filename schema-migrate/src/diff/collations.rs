//! Collations, matched by name. Postgres cannot alter a collation's definition: one whose
//! provider, locale or determinism changes is dropped and created again, which Postgres refuses
//! while a column or an index uses it (the plan is refused then, naming them).

use schema_core::model::Schema;

use super::Change;

pub(crate) fn diff_collations(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    for old in &from.collations {
        if to.collation(&old.name).is_none() {
            changes.push(Change::DropCollation(old.clone()));
        }
    }
    for new in &to.collations {
        match from.collation(&new.name) {
            None => changes.push(Change::CreateCollation(new.clone())),
            Some(old) if old != new => changes.push(Change::ReplaceCollation {
                from: old.clone(),
                to: new.clone(),
                used_by: users(from, &new.name),
            }),
            Some(_) => {}
        }
    }
}

/// The columns, index keys and domains of `schema` that use collation `name`.
fn users(schema: &Schema, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    for table in &schema.tables {
        for column in &table.columns {
            if column.collation.as_deref() == Some(name) {
                found.push(format!("column {}.{}", table.name, column.name));
            }
        }
        for index in &table.indexes {
            if index.keys.iter().any(|k| k.collation.as_deref() == Some(name)) {
                found.push(format!("index {}", index.name));
            }
        }
    }
    for domain in &schema.domains {
        if domain.collation.as_deref() == Some(name) {
            found.push(format!("domain {}", domain.name));
        }
    }
    found
}
