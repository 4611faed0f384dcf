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

/// The first grant of a plan to a role makes sure the role exists.
pub(in crate::plan) fn grant_usage(name: &str, role: &str, cx: &Context) -> Vec<Statement> {
    let mut statements = Vec::new();
    if cx
        .creates_role_on_schema
        .contains(&(name.to_owned(), role.to_owned()))
    {
        statements.push(cx.ddl(render::ensure_role(role)));
    }
    statements.push(cx.ddl(render::grant_schema_usage(name, role)));
    statements
}

pub(in crate::plan) fn revoke_usage(name: &str, role: &str, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::revoke_schema_usage(name, role))]
}
