//! The SQL of sequence changes. Creating, altering and owning a sequence are catalog changes that
//! lock no table (`OWNED BY` takes a brief lock on the owning table).

use schema_core::model::{ColumnRef, Sequence};
use schema_core::render;

use super::super::{Context, Statement};

pub(in crate::plan) fn create(sequence: &Sequence, cx: &Context) -> Vec<Statement> {
    let mut statements = vec![cx.ddl(render::create_sequence(sequence))];
    for role in &sequence.usage {
        statements.push(cx.ddl(render::ensure_role(role)));
        statements.push(cx.ddl(render::grant_sequence_usage(&sequence.name, role)));
    }
    statements
}

pub(in crate::plan) fn drop(sequence: &Sequence, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::drop_sequence(&sequence.name))]
}

pub(in crate::plan) fn alter(from: &Sequence, to: &Sequence, cx: &Context) -> Vec<Statement> {
    let mut statements: Vec<Statement> = render::alter_sequence(from, to)
        .map(|sql| cx.ddl(sql))
        .into_iter()
        .collect();
    for role in from.usage.iter().filter(|r| !to.usage.contains(r)) {
        statements.push(cx.ddl(render::revoke_sequence_usage(&to.name, role)));
    }
    for role in to.usage.iter().filter(|r| !from.usage.contains(r)) {
        statements.push(cx.ddl(render::ensure_role(role)));
        statements.push(cx.ddl(render::grant_sequence_usage(&to.name, role)));
    }
    statements
}

pub(in crate::plan) fn set_owner(sequence: &str, to: Option<&ColumnRef>, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::set_sequence_owner(sequence, to))]
}
