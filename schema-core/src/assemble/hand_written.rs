//! Hand-written objects: functions, triggers, policies and grants the model holds but no derive
//! declares ([`SchemaBuilder::function`](super::SchemaBuilder::function) and its siblings).
//!
//! They are added after everything the builder generates, so a clash with a generated name is
//! seen here and refused: the builder and the code would otherwise fight over one object, and a
//! pull of the database could not tell which of the two wrote it.

use std::collections::BTreeSet;

use crate::ident;
use crate::model::{Argument, Function, Grant, Policy, Schema, Trigger, split_arguments};
use crate::triggers::{AUDIT_APPEND_POLICY, AUDIT_FUNCTION, AUDIT_READ_POLICY, UPDATED_AT_FUNCTION};

use super::{Lookup, TENANT_POLICY, Violation};

/// The hand-written objects given to the builder, in the order given.
#[derive(Debug, Clone, Default)]
pub(super) struct HandWritten {
    pub functions: Vec<Function>,
    pub triggers: Vec<(String, Trigger)>,
    pub policies: Vec<(String, Policy)>,
    pub grants: Vec<(String, Grant)>,
}

/// What generates an object of this kind and name, as the fix a clash names.
fn generated_by(kind: &str, name: &str) -> Option<&'static str> {
    Some(match (kind, name) {
        ("function" | "trigger", UPDATED_AT_FUNCTION) => {
            "the builder writes it for every table with an `updated_at` column: remove this one or give it another name"
        }
        ("function" | "trigger", AUDIT_FUNCTION) => {
            "the builder writes it for `#[table(audited)]` tables (its actor setting with `.actor_setting(..)`): declare the table audited, or give this one another name"
        }
        ("policy", TENANT_POLICY) => {
            "the builder writes it on every tenant table (its session setting with `.tenant_setting(..)`): give this policy another name"
        }
        ("policy", AUDIT_READ_POLICY | AUDIT_APPEND_POLICY) => {
            "the builder writes it on the audit table: give this policy another name"
        }
        _ => return None,
    })
}

/// The namespaces (besides `public`) each role needs USAGE on to use what the hand-written
/// grants and functions give it: a privilege on `billing.invoices`, or EXECUTE on
/// `billing.total`, is of no use without USAGE on `billing`. As for the application role, it is
/// derived from what is granted, never given to every namespace.
pub fn usage(grants: &[(String, Grant)], functions: &[Function]) -> BTreeSet<(String, String)> {
    let mut usage = BTreeSet::new();
    for (table, grant) in grants {
        if let (Some(namespace), _) = ident::split_qualified(table) {
            usage.insert((namespace.to_owned(), grant.role.clone()));
        }
    }
    for function in functions {
        if let (Some(namespace), _) = ident::split_qualified(&function.name) {
            for role in function.execute.iter().flatten() {
                usage.insert((namespace.to_owned(), role.clone()));
            }
        }
    }
    usage
}

/// Arguments written with their defaults, as `CREATE FUNCTION` takes them (`b text DEFAULT
/// 'x'`): the model keeps the list without them (what Postgres identifies the function by) and
/// the defaults beside it, as the inspector reads them.
fn split_defaults(function: &mut Function) {
    if !function.argument_defaults.is_empty() {
        return;
    }
    let pieces = split_arguments(&function.arguments);
    if !pieces.iter().any(|p| Argument::parse(p).default.is_some()) {
        return;
    }
    let mut arguments = Vec::with_capacity(pieces.len());
    let mut defaults = Vec::new();
    for piece in pieces {
        let argument = Argument::parse(piece);
        match argument.default {
            Some(default) => {
                arguments.push(piece[..piece.len() - default.len() - " DEFAULT ".len()].to_owned());
                defaults.push(default.to_owned());
            }
            None => arguments.push(piece.to_owned()),
        }
    }
    function.arguments = arguments.join(", ");
    function.argument_defaults = defaults;
}

/// Validate the hand-written objects against the assembled schema and add them to it.
pub(super) fn add(
    schema: &mut Schema,
    objects: HandWritten,
    lookups: &[Lookup],
    app_role: Option<&str>,
    violations: &mut Vec<Violation>,
) {
    let mut added_grants: Vec<(String, Grant)> = Vec::new();
    let mut added_functions: Vec<Function> = Vec::new();
    let mut functions: BTreeSet<(String, String)> = BTreeSet::new();
    for mut function in objects.functions {
        split_defaults(&mut function);
        let generated = generated_by("function", &function.name).or_else(|| {
            lookups
                .iter()
                .any(|l| l.name == function.name)
                .then_some("`.lookup(..)` declares it: give one of the two another name")
        });
        if let Some(fix) = generated {
            violations.push(Violation::GeneratedName {
                kind: "function",
                name: function.name.clone(),
                table: None,
                fix,
            });
            continue;
        }
        if !functions.insert((function.name.clone(), function.arguments.clone())) {
            violations.push(Violation::DuplicateName {
                kind: "function",
                name: format!("{}({})", function.name, function.arguments),
                table: None,
            });
            continue;
        }
        // A SECURITY DEFINER function runs with its owner's rights: without a pinned
        // search_path, a caller who can create objects in a schema on its path (or in pg_temp)
        // makes the body run the caller's operator or function with those rights.
        if function.security_definer
            && function
                .search_path
                .as_deref()
                .is_none_or(|p| p.trim().is_empty())
        {
            violations.push(Violation::SecurityDefinerWithoutSearchPath {
                function: function.name.clone(),
            });
            continue;
        }
        added_functions.push(function.clone());
        schema.functions.push(function);
    }

    let mut seen: BTreeSet<(&'static str, String, String)> = BTreeSet::new();
    let mut first = |kind: &'static str, table: &str, name: &str, violations: &mut Vec<Violation>| {
        let new = seen.insert((kind, table.to_owned(), name.to_owned()));
        if !new {
            violations.push(Violation::DuplicateName {
                kind,
                name: name.to_owned(),
                table: Some(table.to_owned()),
            });
        }
        new
    };

    for (table_name, trigger) in objects.triggers {
        let object = format!("trigger {}", trigger.name);
        let Some(table) = table_of(schema, &table_name, &object, violations) else {
            continue;
        };
        if let Some(fix) = generated_by("trigger", &trigger.name) {
            violations.push(Violation::GeneratedName {
                kind: "trigger",
                name: trigger.name.clone(),
                table: Some(table.name.clone()),
                fix,
            });
            continue;
        }
        if !first("trigger", &table.name, &trigger.name, violations) {
            continue;
        }
        for column in trigger
            .update_columns
            .iter()
            .filter(|c| table.column(c).is_none())
        {
            violations.push(Violation::UnknownColumn {
                table: table.name.clone(),
                object: trigger.name.clone(),
                column: column.clone(),
            });
        }
        table.triggers.push(trigger);
    }

    for (table_name, policy) in objects.policies {
        let object = format!("policy {}", policy.name);
        let Some(table) = table_of(schema, &table_name, &object, violations) else {
            continue;
        };
        if let Some(fix) = generated_by("policy", &policy.name) {
            violations.push(Violation::GeneratedName {
                kind: "policy",
                name: policy.name.clone(),
                table: Some(table.name.clone()),
                fix,
            });
            continue;
        }
        if !first("policy", &table.name, &policy.name, violations) {
            continue;
        }
        // Postgres keeps a policy on a table without row-level security and ignores it: the
        // code would claim a rule the database does not apply.
        if !table.row_level_security.enabled {
            violations.push(Violation::PolicyWithoutRowLevelSecurity {
                table: table.name.clone(),
                policy: policy.name.clone(),
            });
            continue;
        }
        table.policies.push(policy);
    }

    for (table_name, grant) in objects.grants {
        let object = format!("grant to {}", grant.role);
        let Some(table) = table_of(schema, &table_name, &object, violations) else {
            continue;
        };
        if Some(grant.role.as_str()) == app_role {
            violations.push(Violation::GrantToAppRole {
                table: table.name.clone(),
                role: grant.role.clone(),
            });
            continue;
        }
        if !first("grant to role", &table.name, &grant.role, violations) {
            continue;
        }
        let columns = grant
            .columns
            .iter()
            .flat_map(|c| c.columns.iter())
            .chain(&grant.serial_usage);
        for column in columns.filter(|c| table.column(c).is_none()) {
            violations.push(Violation::UnknownColumn {
                table: table.name.clone(),
                object: object.clone(),
                column: column.clone(),
            });
        }
        added_grants.push((table.name.clone(), grant.clone()));
        table.grants.push(grant);
    }
    for (namespace, role) in usage(&added_grants, &added_functions) {
        if Some(role.as_str()) != app_role {
            schema.schema_usage.entry(namespace).or_default().push(role);
        }
    }
}

fn table_of<'a>(
    schema: &'a mut Schema,
    name: &str,
    object: &str,
    violations: &mut Vec<Violation>,
) -> Option<&'a mut crate::model::Table> {
    let found = schema.table_mut(name);
    if found.is_none() {
        violations.push(Violation::UnknownTable {
            object: object.to_owned(),
            table: name.to_owned(),
        });
    }
    found
}
