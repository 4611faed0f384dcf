//! The SQL of view changes. A materialized view is created with its data and its indexes; refresh
//! it with `REFRESH MATERIALIZED VIEW [CONCURRENTLY]` (the tool does not).

use schema_core::model::View;
use schema_core::render;

use super::super::{Context, Statement};

pub(in crate::plan) fn create(view: &View, cx: &Context) -> Vec<Statement> {
    render::create_view(view)
        .into_iter()
        .map(|sql| cx.ddl(sql))
        .collect()
}

pub(in crate::plan) fn drop(view: &View, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::drop_view(view))]
}
