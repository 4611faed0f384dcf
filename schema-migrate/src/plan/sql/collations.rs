//! The SQL of collation changes: catalog changes that lock no table.

use schema_core::model::Collation;
use schema_core::render;

use super::super::{Context, Statement};

pub(in crate::plan) fn create(collation: &Collation, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::create_collation(collation))]
}

pub(in crate::plan) fn drop(collation: &Collation, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::drop_collation(&collation.name))]
}

/// Dropped and created again in one transaction (planned only while nothing uses it).
pub(in crate::plan) fn replace(to: &Collation, cx: &Context) -> Vec<Statement> {
    vec![
        cx.ddl(render::drop_collation(&to.name)),
        cx.ddl(render::create_collation(to)),
    ]
}
