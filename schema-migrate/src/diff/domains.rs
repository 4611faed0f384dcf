//! Domains, matched by name. A new domain is created before the columns of its type and a dropped
//! one goes after them. Its default, NOT NULL and checks change in place (`ALTER DOMAIN`, one
//! change); a new base type or collation needs a new domain, which Postgres refuses to put in
//! place while columns use the old one (the plan is refused then, naming them).

use schema_core::model::{ColumnType, Domain, Schema};

use super::Change;

pub(crate) fn diff_domains(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    for old in &from.domains {
        if to.domain(&old.name).is_none() {
            changes.push(Change::DropDomain(old.clone()));
        }
    }
    for new in &to.domains {
        match from.domain(&new.name) {
            None => changes.push(Change::CreateDomain(new.clone())),
            Some(old) if old.data_type != new.data_type || old.collation != new.collation => {
                changes.push(Change::ReplaceDomain {
                    from: old.clone(),
                    to: new.clone(),
                    used_by: users(from, &old.name),
                })
            }
            Some(old) if old != new => changes.push(Change::AlterDomain {
                from: old.clone(),
                to: new.clone(),
            }),
            Some(_) => {}
        }
    }
}

/// Whether a column of type `ty` is of domain `domain` (directly or as an array element).
pub(crate) fn is_of_domain(ty: &ColumnType, domain: &Domain) -> bool {
    matches!(ty.element(), ColumnType::Other(name) if *name == domain.name
        || *name == schema_core::ident::quote(&domain.name))
}

/// The columns of `schema` (and the domains over it) whose type is domain `name`.
fn users(schema: &Schema, name: &str) -> Vec<String> {
    let Some(domain) = schema.domain(name) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for table in &schema.tables {
        for column in &table.columns {
            if is_of_domain(&column.ty, domain) {
                found.push(format!("column {}.{}", table.name, column.name));
            }
        }
    }
    for other in &schema.domains {
        if is_of_domain(&other.data_type, domain) {
            found.push(format!("domain {}", other.name));
        }
    }
    found
}
