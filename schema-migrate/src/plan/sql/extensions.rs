//! The SQL of extension changes: catalog changes that lock no table of the schema.

use schema_core::ident::quote_literal;
use schema_core::model::Extension;
use schema_core::render;

use super::super::{Context, Statement};

pub(in crate::plan) fn create(extension: &Extension, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::create_extension(extension))]
}

pub(in crate::plan) fn drop(extension: &Extension, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::drop_extension(&extension.name))]
}

pub(in crate::plan) fn alter(from: &Extension, to: &Extension, cx: &Context) -> Vec<Statement> {
    let mut statements = Vec::new();
    if from.schema != to.schema {
        statements.push(cx.ddl(match &to.schema {
            Some(schema) => render::set_extension_schema(&to.name, schema),
            // The schema of the model: the one the migration runs in.
            None => format!(
                "DO $$ BEGIN EXECUTE format('ALTER EXTENSION %I SET SCHEMA %I', {}, current_schema()); END $$",
                quote_literal(&to.name)
            ),
        }));
    }
    if from.version != to.version {
        statements.push(cx.ddl(match to.version.as_deref() {
            None => render::update_extension(&to.name, None),
            Some(version) if is_upgrade(from.version.as_deref(), version) => {
                render::update_extension(&to.name, Some(version))
            }
            Some(version) => update_or_recreate(to, version),
        }));
    }
    statements
}

/// Whether `to` is a later version than `from`, both dotted numbers (`1.7` → `1.8`): Postgres
/// ships update scripts forwards only.
pub(in crate::plan) fn is_upgrade(from: Option<&str>, to: &str) -> bool {
    let parse = |v: &str| -> Option<Vec<u64>> { v.split('.').map(|p| p.parse().ok()).collect() };
    match (from.and_then(parse), parse(to)) {
        (Some(from), Some(to)) => to > from,
        _ => false,
    }
}

/// An update Postgres may have no script for (extensions ship none backwards): through the
/// update path when there is one, else dropped and created at that version, which Postgres
/// refuses while an object outside the extension uses it.
fn update_or_recreate(to: &Extension, version: &str) -> String {
    let name = quote_literal(&to.name);
    let version_literal = quote_literal(version);
    format!(
        "DO $$\nBEGIN\n    IF EXISTS (SELECT FROM pg_catalog.pg_extension e, pg_catalog.pg_extension_update_paths({name}) p\n               WHERE e.extname = {name} AND p.source = e.extversion AND p.target = {version_literal}\n                 AND p.path IS NOT NULL) THEN\n        {};\n    ELSE\n        {};\n        {};\n    END IF;\nEND $$",
        render::update_extension(&to.name, Some(version)),
        render::drop_extension(&to.name),
        render::create_extension(to),
    )
}
