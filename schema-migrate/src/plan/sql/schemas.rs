//! The SQL of namespace changes.

use schema_core::render;

use super::super::{Context, Statement};

pub(in crate::plan) fn create(name: &str, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::create_schema(name))]
}

/// RESTRICT: what the model does not compare is never dropped with it; the statement fails and
/// its transaction rolls back instead.
pub(in crate::plan) fn drop(name: &str, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::drop_schema(name))]
}
