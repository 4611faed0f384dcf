//! Readiness for a distributed engine (Citus), checked from the model.
//!
//! Citus distributes each tenant table by `organization_id` (the tenant root by its key, which is
//! the organization id), colocated, and copies global tables to every node as reference tables.
//! It then rejects:
//! - a primary key, unique constraint or unique index of a distributed table that does not include
//!   the distribution column (uniqueness could only be checked across nodes);
//! - a foreign key between distributed tables that does not include the distribution column on
//!   both sides, matched to each other (the referenced row could live on another node);
//! - a foreign key from a reference table to a distributed table (a copy on every node cannot
//!   reference rows that each live on one);
//! - NULL in the distribution column (the row has no node).
//!
//! [`check`] lists every such rule the schema breaks, and the calls that distribute it.

use crate::assemble::{DeclaredSchema, TENANT_COLUMN};
use crate::declare::Tenancy;
use crate::ident;
use crate::model::Table;
use crate::triggers::AUDIT_TABLE;

/// How each table of a schema would be distributed, and what Citus would reject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Distribution {
    /// The `create_distributed_table` / `create_reference_table` calls, in an order that works
    /// (reference tables, then the root, then the tenant tables colocated with it).
    pub calls: Vec<String>,
    /// Every rule broken, one line each, naming the table and the fix.
    pub violations: Vec<String>,
}

/// The distribution column of a table: the tenant column, or the root's key; `None` for a
/// reference table.
fn distribution_column(declared: &DeclaredSchema, table: &Table) -> Option<String> {
    let def = declared.tables.iter().find(|d| d.table.name == table.name);
    match def.map(|d| d.tenancy) {
        Some(Tenancy::Global) => None,
        Some(Tenancy::Root) => table
            .primary_key
            .as_ref()
            .and_then(|pk| pk.columns.first().cloned()),
        // Tenant tables, and the generated audit table (which holds every tenant's rows).
        Some(Tenancy::Tenant) | None => table.column(TENANT_COLUMN).map(|c| c.name.clone()),
    }
}

/// Check `declared` against Citus' rules.
pub fn check(declared: &DeclaredSchema) -> Distribution {
    let schema = &declared.schema;
    let mut out = Distribution::default();
    let column_of = |name: &str| {
        schema
            .table(name)
            .map(|t| distribution_column(declared, t))
            .unwrap_or(None)
    };
    let root = declared
        .tables
        .iter()
        .find(|d| d.tenancy == Tenancy::Root)
        .map(|d| d.table.name.clone());

    let mut reference = Vec::new();
    let mut distributed = Vec::new();
    for table in &schema.tables {
        match distribution_column(declared, table) {
            None => reference.push(format!(
                "SELECT create_reference_table({});",
                ident::quote_literal(&table.name)
            )),
            Some(column) => {
                let colocate = match &root {
                    Some(root) if *root != table.name => {
                        format!(", colocate_with => {}", ident::quote_literal(root))
                    }
                    _ => String::new(),
                };
                let call = format!(
                    "SELECT create_distributed_table({}, {}{colocate});",
                    ident::quote_literal(&table.name),
                    ident::quote_literal(&column)
                );
                if Some(&table.name) == root.as_ref() {
                    distributed.insert(0, call);
                } else {
                    distributed.push(call);
                }
                check_table(table, &column, &mut out.violations);
            }
        }
    }
    out.calls = reference.into_iter().chain(distributed).collect();

    for table in &schema.tables {
        let from = distribution_column(declared, table);
        for fk in &table.foreign_keys {
            let to = column_of(&fk.referenced_table);
            match (&from, &to) {
                (None, Some(_)) => out.violations.push(format!(
                    "{}: foreign key {} goes from a reference table to the distributed table {}: \
                     reference the other way round, or make {} a tenant table",
                    table.name, fk.name, fk.referenced_table, table.name
                )),
                (Some(from), Some(to)) => {
                    let matched = fk
                        .columns
                        .iter()
                        .zip(&fk.referenced_columns)
                        .any(|(c, r)| c == from && r == to);
                    if !matched {
                        out.violations.push(format!(
                            "{}: foreign key {} to {} does not pair {} with {}.{}: \
                             make it ({from}, ...) REFERENCES {} ({to}, ...)",
                            table.name,
                            fk.name,
                            fk.referenced_table,
                            from,
                            fk.referenced_table,
                            to,
                            fk.referenced_table
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn check_table(table: &Table, column: &str, violations: &mut Vec<String>) {
    let has = |columns: &[String]| columns.iter().any(|c| c == column);
    if let Some(pk) = &table.primary_key
        && !has(&pk.columns)
    {
        violations.push(format!(
            "{}: primary key {} ({}) does not include the distribution column {column}: \
             make it ({column}, {})",
            table.name,
            pk.name,
            pk.columns.join(", "),
            pk.columns.join(", ")
        ));
    }
    for unique in table.uniques.iter().filter(|u| !has(&u.columns)) {
        violations.push(format!(
            "{}: unique constraint {} ({}) does not include the distribution column {column}",
            table.name,
            unique.name,
            unique.columns.join(", ")
        ));
    }
    for index in table.indexes.iter().filter(|i| i.unique) {
        let columns: Vec<String> = index.key_columns().map(str::to_owned).collect();
        if !has(&columns) {
            violations.push(format!(
                "{}: unique index {} does not include the distribution column {column}",
                table.name, index.name
            ));
        }
    }
    if table.column(column).is_some_and(|c| c.nullable) {
        let why = if table.name == AUDIT_TABLE {
            " (audit rows of global tables have none)"
        } else {
            ""
        };
        violations.push(format!(
            "{}: the distribution column {column} accepts NULL{why}, which Citus cannot place on a node",
            table.name
        ));
    }
}
