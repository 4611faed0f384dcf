//! Namespaces: created before anything goes into them, dropped after everything has left.
//! `public` is never created nor dropped (it is not in [`Schema::namespaces`]). USAGE on a
//! namespace ([`Schema::schema_usage`]) is granted once it exists and revoked before it goes.

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

pub(super) fn diff_schema_usage(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let roles = |schema: &Schema, namespace: &str| -> Vec<String> {
        schema.schema_usage.get(namespace).cloned().unwrap_or_default()
    };
    let mut namespaces: Vec<&String> = from.schema_usage.keys().chain(to.schema_usage.keys()).collect();
    namespaces.sort();
    namespaces.dedup();
    for namespace in namespaces {
        let (old, new) = (roles(from, namespace), roles(to, namespace));
        for role in old.iter().filter(|role| !new.contains(role)) {
            changes.push(Change::RevokeSchemaUsage {
                schema: namespace.clone(),
                role: role.clone(),
            });
        }
        for role in new.iter().filter(|role| !old.contains(role)) {
            changes.push(Change::GrantSchemaUsage {
                schema: namespace.clone(),
                role: role.clone(),
            });
        }
    }
}
