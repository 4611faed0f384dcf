//! The SQL of sequence changes. Creating, altering and owning a sequence are catalog changes that
//! lock no table (`OWNED BY` takes a brief lock on the owning table).

use schema_core::model::{ColumnRef, Sequence};
use schema_core::render;

use super::super::{Context, Statement};

pub(in crate::plan) fn create(sequence: &Sequence, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::create_sequence(sequence))]
}

pub(in crate::plan) fn drop(sequence: &Sequence, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::drop_sequence(&sequence.name))]
}

pub(in crate::plan) fn alter(from: &Sequence, to: &Sequence, cx: &Context) -> Vec<Statement> {
    render::alter_sequence(from, to)
        .map(|sql| cx.ddl(sql))
        .into_iter()
        .collect()
}

pub(in crate::plan) fn set_owner(sequence: &str, to: Option<&ColumnRef>, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::set_sequence_owner(sequence, to))]
}
