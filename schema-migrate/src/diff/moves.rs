//! Enum types, sequences, views and functions moved to another namespace or renamed, as declared
//! ([`Renames::objects`]): the object is moved in place (`ALTER ... SET SCHEMA`, then `RENAME
//! TO`), so what uses it keeps it. An enum type keeps its columns and their rows, a sequence its
//! current value, a view the grants and dependents Postgres tracks by oid.
//!
//! The old side is renamed in memory before the kinds are compared, and what names the object
//! in text that Postgres prints from the oid (a column default's `::billing.status`, a
//! `nextval('billing.n'::regclass)`, a trigger's function) is renamed with it, so nothing else is
//! planned for the move.

use schema_core::ident::as_printed;
use schema_core::model::{ColumnType, Schema};
use schema_core::{ObjectKind, ObjectRename};

use super::Change;

pub(super) fn apply(renamed: &mut Schema, to: &Schema, renames: &[ObjectRename], changes: &mut Vec<Change>) {
    for rename in renames {
        let (from_name, to_name) = (rename.from.as_str(), rename.to.as_str());
        let in_both = |present: &dyn Fn(&Schema, &str) -> bool| {
            present(renamed, from_name)
                && !present(renamed, to_name)
                && present(to, to_name)
                && !present(to, from_name)
        };
        match rename.kind {
            ObjectKind::Enum => {
                if !in_both(&|s, n| s.enum_type(n).is_some()) {
                    continue;
                }
                changes.push(move_change(rename, false, None));
                rename_enum(renamed, from_name, to_name);
            }
            ObjectKind::Sequence => {
                if !in_both(&|s, n| s.sequence(n).is_some()) {
                    continue;
                }
                changes.push(move_change(rename, false, None));
                rename_sequence(renamed, from_name, to_name);
            }
            ObjectKind::View => {
                if !in_both(&|s, n| s.view(n).is_some()) {
                    continue;
                }
                let view = renamed
                    .views
                    .iter_mut()
                    .find(|v| v.name == from_name)
                    .expect("checked");
                changes.push(move_change(rename, view.materialized, None));
                view.name = to_name.to_owned();
            }
            ObjectKind::Function => {
                if !in_both(&|s, n| s.functions.iter().any(|f| f.name == n)) {
                    continue;
                }
                for function in renamed.functions.iter_mut().filter(|f| f.name == from_name) {
                    changes.push(move_change(rename, false, Some(function.arguments.clone())));
                    function.name = to_name.to_owned();
                }
                for trigger in renamed.tables.iter_mut().flat_map(|t| t.triggers.iter_mut()) {
                    if trigger.function == from_name {
                        trigger.function = to_name.to_owned();
                    }
                }
            }
        }
    }
}

fn move_change(rename: &ObjectRename, materialized: bool, arguments: Option<String>) -> Change {
    Change::MoveObject {
        object: rename.kind,
        materialized,
        from: rename.from.clone(),
        to: rename.to.clone(),
        arguments,
    }
}

/// The enum type and every column (or array column) of it, with the casts Postgres prints in
/// their defaults, checks and policies.
fn rename_enum(schema: &mut Schema, from: &str, to: &str) {
    let enum_type = schema.enums.iter_mut().find(|e| e.name == from).expect("checked");
    enum_type.name = to.to_owned();
    let (old_cast, new_cast) = (format!("::{}", as_printed(from)), format!("::{}", as_printed(to)));
    let recast = |text: &mut String| *text = replace_cast(text, &old_cast, &new_cast);
    for domain in &mut schema.domains {
        retype(&mut domain.data_type, from, to);
    }
    for table in &mut schema.tables {
        for column in &mut table.columns {
            retype(&mut column.ty, from, to);
            column.default.iter_mut().for_each(recast);
            column.generated.iter_mut().for_each(recast);
        }
        for check in &mut table.checks {
            recast(&mut check.expression);
        }
        for policy in &mut table.policies {
            policy.using.iter_mut().for_each(recast);
            policy.with_check.iter_mut().for_each(recast);
        }
        for index in &mut table.indexes {
            index.predicate.iter_mut().for_each(recast);
        }
    }
    // Functions are bound to their argument and result types by oid: they follow the type, and
    // Postgres prints their signatures with its new name (so they are the same functions).
    let (old_type, new_type) = (as_printed(from), as_printed(to));
    for function in &mut schema.functions {
        function.arguments = retype_arguments(&function.arguments, &old_type, &new_type);
        function.argument_defaults.iter_mut().for_each(recast);
        function.returns = retype_result(&function.returns, &old_type, &new_type);
    }
}

/// An argument list as Postgres prints it (`s status, VARIADIC a status[]`) with every argument
/// of the type `old` (or an array of it) spelled `new`. Each argument is `[mode] [name] type`, so
/// it ends with its type; an argument only named like the type keeps its name.
fn retype_arguments(list: &str, old: &str, new: &str) -> String {
    let mut pieces = Vec::new();
    let (mut depth, mut quoted, mut start) = (0usize, false, 0usize);
    for (i, c) in list.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                pieces.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&list[start..]);
    pieces
        .into_iter()
        .map(|piece| retype_one(piece, old, new))
        .collect::<Vec<_>>()
        .join(",")
}

fn retype_one(piece: &str, old: &str, new: &str) -> String {
    let kept = piece.trim_end();
    let mut base = kept;
    while let Some(element) = base.strip_suffix("[]") {
        base = element;
    }
    let Some(before) = base.strip_suffix(old) else {
        return piece.to_owned();
    };
    if !(before.is_empty() || before.ends_with(char::is_whitespace)) {
        return piece.to_owned();
    }
    format!("{before}{new}{}{}", &kept[base.len()..], &piece[kept.len()..])
}

/// A result as Postgres prints it (`status`, `SETOF status`, `TABLE(a status, n integer)`) with
/// the type `old` spelled `new`.
fn retype_result(result: &str, old: &str, new: &str) -> String {
    match result.strip_prefix("TABLE(").and_then(|r| r.strip_suffix(')')) {
        Some(columns) => format!("TABLE({})", retype_arguments(columns, old, new)),
        None => retype_one(result, old, new),
    }
}

fn retype(ty: &mut ColumnType, from: &str, to: &str) {
    match ty {
        ColumnType::Enum(name) if name == from => *name = to.to_owned(),
        ColumnType::Array(element) => retype(element, from, to),
        _ => {}
    }
}

/// `text` with every `old` cast (`::status`, not `::status_v2`) spelled `new`.
fn replace_cast(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(old) {
        let after = &rest[at + old.len()..];
        let whole =
            !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.');
        out.push_str(&rest[..at]);
        out.push_str(if whole { new } else { old });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The sequence and the column defaults that take values from it.
fn rename_sequence(schema: &mut Schema, from: &str, to: &str) {
    let sequence = schema
        .sequences
        .iter_mut()
        .find(|s| s.name == from)
        .expect("checked");
    let old_nextval = sequence.nextval();
    sequence.name = to.to_owned();
    let new_nextval = sequence.nextval();
    for column in schema.tables.iter_mut().flat_map(|t| t.columns.iter_mut()) {
        if let Some(default) = &mut column.default {
            *default = default.replace(&old_nextval, &new_nextval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{replace_cast, retype_arguments, retype_result};

    #[test]
    fn only_arguments_of_the_type_are_retyped() {
        assert_eq!(
            retype_arguments(
                "s status, status integer, VARIADIC a status[], n numeric(10,2), x status_v2",
                "status",
                "billing.status"
            ),
            "s billing.status, status integer, VARIADIC a billing.status[], n numeric(10,2), x status_v2"
        );
        assert_eq!(
            retype_arguments("status", "status", "billing.status"),
            "billing.status"
        );
        assert_eq!(retype_arguments("", "status", "billing.status"), "");
        assert_eq!(
            retype_result("SETOF status", "status", "billing.status"),
            "SETOF billing.status"
        );
        assert_eq!(
            retype_result("TABLE(a status, status text)", "status", "billing.status"),
            "TABLE(a billing.status, status text)"
        );
    }

    #[test]
    fn only_whole_casts_are_replaced() {
        assert_eq!(
            replace_cast(
                "'open'::status, 'x'::status_v2, ARRAY['a'::status]",
                "::status",
                "::billing.status"
            ),
            "'open'::billing.status, 'x'::status_v2, ARRAY['a'::billing.status]"
        );
    }
}
