//! Functions, matched by name and argument list (the identity arguments, with names and OUT
//! arguments). A changed body, attribute or default is a `CREATE OR REPLACE`; a changed result is
//! a drop and a create. Postgres identifies a function by its name and input types alone, so a
//! function whose arguments are renamed or whose OUT arguments change is, to Postgres, the same
//! function, which `CREATE OR REPLACE` refuses to turn into the new one: the old one is dropped
//! right before the new one is created (the planner orders them), and what depends on it
//! (policies, triggers, checks, index expressions, SQL-standard bodies and views that call it)
//! is dropped before and created again after.

use std::collections::{BTreeMap, BTreeSet};

use schema_core::model::{Function, Schema};

use super::{Change, definitions, names_identifier, unchanged_definitions};

pub(super) fn diff_functions(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let key = |f: &Function| (f.name.clone(), f.arguments.clone());
    let old: BTreeMap<_, &Function> = from.functions.iter().map(|f| (key(f), f)).collect();
    let new: BTreeMap<_, &Function> = to.functions.iter().map(|f| (key(f), f)).collect();
    for (k, f) in &old {
        if !new.contains_key(k) {
            changes.push(Change::DropFunction((*f).clone()));
        }
    }
    for (k, f) in &new {
        match old.get(k) {
            None => changes.push(Change::CreateFunction((*f).clone())),
            Some(o) if o.returns != f.returns => {
                changes.push(Change::DropFunction((*o).clone()));
                changes.push(Change::CreateFunction((*f).clone()));
            }
            // Also where a default is removed (in this direction or the reverse): the statements
            // of that direction drop and create it (see `plan::sql`).
            Some(o) if *o != *f => changes.push(Change::ReplaceFunction {
                from: (*o).clone(),
                to: (*f).clone(),
            }),
            Some(_) => {}
        }
    }
}

/// The same function to Postgres: one name, the same input types.
pub(crate) fn same_identity(a: &Function, b: &Function) -> bool {
    a.name == b.name && a.input_types() == b.input_types()
}

/// The names of the functions that a plan (in either direction) drops while they are still
/// declared: dropped and created again under the same identity, or replaced where one direction
/// cannot be a `CREATE OR REPLACE`. What calls them must go first.
pub(crate) fn rebuilt_functions(changes: &[Change]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for change in changes {
        match change {
            Change::DropFunction(old) => {
                let recreated = changes.iter().any(|other| {
                    matches!(other, Change::CreateFunction(new) if new != old && same_identity(old, new))
                });
                if recreated {
                    out.insert(old.name.clone());
                }
            }
            Change::ReplaceFunction { from, to } if !from.replaceable_by(to) || !to.replaceable_by(from) => {
                out.insert(from.name.clone());
            }
            _ => {}
        }
    }
    out
}

/// Whether `sql` calls the function `name` (an over-approximation: it names it).
fn calls(sql: &str, name: &str) -> bool {
    names_identifier(sql, name)
}

/// The unchanged policies, triggers, checks, index expressions and SQL-standard function bodies
/// that call a rebuilt function: Postgres refuses to drop a function they use, so each is
/// dropped before and created again after (views: [`super::views`]).
pub(super) fn rebuild_dependents(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let rebuilt = rebuilt_functions(changes);
    if rebuilt.is_empty() {
        return;
    }
    let uses = |sql: &String| rebuilt.iter().any(|name| calls(sql, name));
    let mut extra = Vec::new();
    let mut rebuild = |create: Change| {
        extra.push(create.reverse());
        extra.push(create);
    };
    for new in &to.tables {
        let Some(old) = from.table(&new.name) else {
            continue;
        };
        for create in unchanged_definitions(old, new) {
            if definitions(&create).iter().any(uses) {
                rebuild(create);
            }
        }
        // A trigger's own function (with a WHEN condition, it is among the definitions above).
        for trigger in new.triggers.iter().filter(|t| old.triggers.contains(t)) {
            if rebuilt.contains(&trigger.function) {
                rebuild(Change::CreateTrigger {
                    table: new.name.clone(),
                    trigger: trigger.clone(),
                });
            }
        }
    }
    for function in to
        .functions
        .iter()
        .filter(|f| f.sql_body && !rebuilt.contains(&f.name) && from.functions.contains(f))
    {
        if uses(&function.body) || function.argument_defaults.iter().any(uses) {
            rebuild(Change::CreateFunction(function.clone()));
        }
    }
    changes.extend(extra);
}

/// The column defaults and generated expressions (on either side of the plan) that call a
/// rebuilt function, as `(function, "column t.c's default")`. Postgres refuses to drop a function
/// they use, and they are not rebuilt around it: a generated column would be computed again for
/// every row.
pub(crate) fn columns_calling_rebuilt(
    from: &Schema,
    to: &Schema,
    changes: &[Change],
) -> Vec<(String, String)> {
    let rebuilt = rebuilt_functions(changes);
    let mut out = Vec::new();
    for name in &rebuilt {
        for table in from.tables.iter().chain(&to.tables) {
            for column in &table.columns {
                let uses = [
                    ("default", &column.default),
                    ("generated expression", &column.generated),
                ]
                .into_iter()
                .filter_map(|(what, sql)| sql.as_ref().map(|sql| (what, sql)))
                .filter(|(_, sql)| calls(sql, name));
                for (what, _) in uses {
                    let found = (
                        name.clone(),
                        format!("column {}.{}'s {what}", table.name, column.name),
                    );
                    if !out.contains(&found) {
                        out.push(found);
                    }
                }
            }
        }
    }
    out
}
