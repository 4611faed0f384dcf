//! `migrate pull`: adopt an existing database. Read its schema (every application schema, or
//! the ones named), write it as Rust declarations that build the same schema again, list where
//! it breaks the team's standards with the migration that fixes each, and optionally write the
//! first migration (the baseline, whose snapshot is the database as it is).
//!
//! The stages: [`inspect`](crate::inspect) reads the catalogs (a fixed number of queries) →
//! [`assembly`] takes out what `SchemaBuilder::build` adds back → [`infer`] picks each column's
//! standard type or escape hatch → [`codegen`] writes the source (with [`hand_written`] for the
//! builder calls of hand-written objects) → [`report`] lists findings and
//! what could not be reproduced → [`baseline`] writes the first migration.

pub mod assembly;
pub mod baseline;
pub mod codegen;
pub mod hand_written;
pub mod infer;
pub mod names;
pub mod report;

use std::collections::BTreeSet;

use schema_core::ident;
use schema_core::model::{ColumnType, Schema};
use schema_core::types::PasswordHash;
use tokio_postgres::Client;

use crate::inspect::{self, HISTORY_SCHEMA, InspectError, InspectOptions};
pub use assembly::Tenancies;
pub use report::{Finding, Report};

const SCHEMAS_SQL: &str = include_str!("schemas.sql");

/// How many rows of a secret column are sampled to confirm it holds hashes.
pub const SAMPLE_ROWS: i64 = 20;

/// What to pull.
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// The Postgres schemas to read; empty: every application schema.
    pub schemas: Vec<String>,
    pub tenancies: Tenancies,
}

/// The result of a pull.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The Rust source (one module: enums, tables, `schema()`).
    pub code: String,
    pub report: Report,
    /// The database's schema as the inspector read it (the baseline's snapshot is made of it).
    pub schema: Schema,
    /// The tenant root recognised, if any.
    pub root: Option<String>,
    /// The lookup functions recognised.
    pub lookups: Vec<assembly::Lookup>,
}

/// Pull the database behind `client`.
pub async fn pull(client: &Client, options: &PullOptions) -> Result<Pulled, InspectError> {
    let excluded = vec![HISTORY_SCHEMA.to_owned()];
    let existing: Vec<String> = client
        .query(SCHEMAS_SQL, &[&excluded])
        .await?
        .iter()
        .map(|row| row.try_get::<_, String>("name"))
        .collect::<Result<_, _>>()?;
    let mut queries = 1;
    let selected: Vec<String> = if options.schemas.is_empty() {
        existing
    } else {
        if let Some(missing) = options.schemas.iter().find(|s| !existing.contains(s)) {
            return Err(InspectError::NoSuchSchema(missing.clone()));
        }
        let mut selected = options.schemas.clone();
        selected.sort();
        selected.dedup();
        selected
    };
    let others: Vec<String> = selected.iter().filter(|s| *s != "public").cloned().collect();
    let inspect_options = InspectOptions {
        schema: "public".to_owned(),
        schemas: others,
        exclude_tables: Vec::new(),
    };
    let inspection = inspect::inspect(client, &inspect_options).await?;
    queries += inspection.queries;
    let mut schema = inspection.schema;
    if !selected.iter().any(|s| s == "public") {
        keep_qualified(&mut schema);
    }

    let (confirmed, sampled) = sample_hashes(client, &schema).await?;
    queries += sampled;
    let declarations = assembly::declarations(&schema, &options.tenancies);
    let source = format!("schema(s) {}", selected.join(", "));
    let output = codegen::generate(&codegen::Input {
        schema: &schema,
        declarations: &declarations,
        hash_confirmed: &confirmed,
        source: &source,
    });
    let mut report = Report {
        schemas: selected,
        tables: declarations.tables.len(),
        enums: schema.enums.len(),
        findings: declarations.findings.clone(),
        not_reproduced: declarations.not_reproduced.clone(),
        not_compared: inspection.unsupported.clone(),
        catalog_queries: queries,
        written: Vec::new(),
    };
    report.findings.extend(output.findings);
    report.not_reproduced.extend(output.not_reproduced);
    for index in &inspection.invalid_indexes {
        report.not_compared.push(format!(
            "invalid index {index} (left by a failed CREATE INDEX CONCURRENTLY)"
        ));
    }
    report.sort();
    let root = declarations
        .tables
        .iter()
        .find(|t| t.tenancy == schema_core::Tenancy::Root)
        .map(|t| t.table.name.clone());
    Ok(Pulled {
        code: output.code,
        report,
        schema,
        root,
        lookups: declarations.lookups.clone(),
    })
}

/// Drop what `public` holds when it was not asked for (the inspector always reads it).
fn keep_qualified(schema: &mut Schema) {
    let qualified = |name: &str| ident::split_qualified(name).0.is_some();
    schema.tables.retain(|t| qualified(&t.name));
    schema.enums.retain(|e| qualified(&e.name));
    schema.functions.retain(|f| qualified(&f.name));
    schema.sequences.retain(|s| qualified(&s.name));
    schema.views.retain(|v| qualified(&v.name));
    schema.domains.retain(|d| qualified(&d.name));
    schema.collations.retain(|c| qualified(&c.name));
}

/// The secret columns whose sampled rows confirm they hold hashes (`table.column`): PHC strings
/// in a text column named like a password, 32-byte digests in a bytea column named like a
/// secret. One query for all of them (none when no column is named so), and the values sampled
/// are only checked, never printed.
async fn sample_hashes(client: &Client, schema: &Schema) -> Result<(Vec<String>, usize), InspectError> {
    let mut selects = Vec::new();
    let mut kinds = Vec::new();
    for table in &schema.tables {
        for column in &table.columns {
            let label = format!("{}.{}", table.name, column.name);
            let secret = names::denotes_secret(&column.name);
            let password = secret && names::denotes_password(&column.name);
            let expression = match column.ty {
                ColumnType::Text if password => "v::text",
                ColumnType::Bytea if secret && !password => "octet_length(v)::text",
                _ => continue,
            };
            let n = selects.len();
            selects.push(format!(
                "(SELECT {n} AS i, {expression} AS v FROM (SELECT {} AS v FROM {} WHERE {} IS NOT NULL LIMIT {SAMPLE_ROWS}) s)",
                ident::quote(&column.name),
                ident::quote_qualified(&table.name),
                ident::quote(&column.name),
            ));
            kinds.push((label, password));
        }
    }
    if selects.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let rows = client.query(&selects.join(" UNION ALL "), &[]).await?;
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    let mut refuted: BTreeSet<usize> = BTreeSet::new();
    for row in &rows {
        let i: i32 = row.try_get("i")?;
        let value: String = row.try_get("v")?;
        let i = i as usize;
        seen.insert(i);
        let hash = if kinds[i].1 {
            PasswordHash::from_phc(value).is_ok()
        } else {
            value == "32"
        };
        if !hash {
            refuted.insert(i);
        }
    }
    // A password must be confirmed by rows; a digest column (bytea) only must not be refuted.
    let confirmed = kinds
        .into_iter()
        .enumerate()
        .filter(|(i, (_, password))| !refuted.contains(i) && (seen.contains(i) || !password))
        .map(|(_, (label, _))| label)
        .collect();
    Ok((confirmed, 1))
}
