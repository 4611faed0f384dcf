//! `pull --baseline`: the first migration of an adopted database. Its `up.sql` creates the
//! schema as it is from nothing (for new environments), its `down.sql` drops it, and its
//! snapshot is the database as read, with what the builder makes (the tenant policies, the
//! audit table) in the builder's spelling: `check` and `generate` compare the declared schema
//! with the snapshot as written, so the snapshot spells every expression as the generated code
//! does (the code copies the database's spelling of the rest). The database itself already has the schema: mark the
//! migration applied there without running it, with `migrate resolve VERSION --applied` (which
//! creates the history table when there is none).

use schema_core::Renames;
use schema_core::assemble::{TENANT_COLUMN, TENANT_POLICY, tenant_predicate};
use schema_core::ident;
use schema_core::model::Schema;
use schema_core::triggers::{AUDIT_FUNCTION, AUDIT_TABLE, audit_table};

use super::Pulled;
use super::assembly::predicate_setting;

use crate::cli::migration_sql;
use crate::migrations::{DirError, Migration, MigrationDir};
use crate::plan::{PlanError, PlanOptions, plan};

/// The description of the baseline migration.
pub const DESCRIPTION: &str = "baseline";

/// Why the baseline was not written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("the migrations directory {0} already holds migrations: a baseline is the first one")]
    NotEmpty(String),
    #[error(transparent)]
    Dir(#[from] DirError),
    #[error("cannot plan the baseline: {0}")]
    Plan(#[from] PlanError),
}

/// The baseline's snapshot: the database, with the builder's objects spelled as it spells them.
pub fn snapshot(pulled: &Pulled) -> Schema {
    let mut schema = pulled.schema.clone();
    let mut setting = None;
    for table in &mut schema.tables {
        let column =
            if table.column(TENANT_COLUMN).is_some() && table.name != pulled.root.as_deref().unwrap_or("") {
                TENANT_COLUMN
            } else {
                "id"
            };
        for policy in table.policies.iter_mut().filter(|p| p.name == TENANT_POLICY) {
            let read = policy.using.as_deref().and_then(|u| predicate_setting(u, column));
            if let Some(found) = read
                && policy.using == policy.with_check
            {
                let predicate = tenant_predicate(column, &found);
                policy.using = Some(predicate.clone());
                policy.with_check = Some(predicate);
                setting.get_or_insert(found);
            }
        }
    }
    let audited = schema
        .tables
        .iter()
        .any(|t| t.triggers.iter().any(|tr| tr.function == AUDIT_FUNCTION));
    if audited && let Some(setting) = setting {
        let mut builder = audit_table(&tenant_predicate(TENANT_COLUMN, &setting));
        if let Some(table) = schema.tables.iter_mut().find(|t| t.name == AUDIT_TABLE) {
            builder.grants = std::mem::take(&mut table.grants);
            *table = builder;
        }
    }
    // A lookup's result columns, as the builder spells them (Postgres prints them unquoted).
    for lookup in &pulled.lookups {
        let Some(table) = pulled.schema.table(&lookup.table) else {
            continue;
        };
        let columns: Option<Vec<String>> = lookup
            .returns
            .iter()
            .map(|c| {
                table
                    .column(c)
                    .map(|column| format!("{} {}", ident::quote(c), column.ty.sql()))
            })
            .collect();
        if let (Some(columns), Some(function)) = (
            columns,
            schema.functions.iter_mut().find(|f| f.name == lookup.name),
        ) {
            function.returns = format!("TABLE({})", columns.join(", "));
        }
    }
    schema.canonicalize();
    schema
}

/// Write the baseline of the pulled database into `dir`, which must hold no migration yet.
pub fn write(dir: &MigrationDir, pulled: &Pulled) -> Result<Migration, BaselineError> {
    let schema = &snapshot(pulled);
    if dir.exists() && !dir.load()?.is_empty() {
        return Err(BaselineError::NotEmpty(dir.path.display().to_string()));
    }
    // Created from nothing: nothing to lock or rewrite, so the plain plan.
    let options = PlanOptions {
        fast: true,
        allow_destructive: true,
        ..PlanOptions::default()
    };
    let plan = plan(&Schema::default(), schema, &Renames::default(), &options)?;
    let up = migration_sql(DESCRIPTION, "up", &plan.up());
    let down = migration_sql(DESCRIPTION, "down", &plan.down());
    Ok(dir.write(DESCRIPTION, &up, &down, schema, time::OffsetDateTime::now_utc())?)
}
