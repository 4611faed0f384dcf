//! `advise --verify`: the recommended indexes as the migration `generate` would write for them,
//! run on a throwaway copy of the database (the rehearsal's copy), with each statement of the
//! workload measured by `EXPLAIN (ANALYZE, BUFFERS)` before and after.
//!
//! Nothing runs on the advised database: it is only read to make the copy (a template copy, or
//! a sample through a read-only session). On the copy each statement runs alone in a transaction
//! that is rolled back: `PREPARE` (one statement only: text after a `;` is refused, not run),
//! then its generic plan executed twice under `EXPLAIN ANALYZE` (the second, warm run counts).
//! Parameters get values from the copy: an equality or an assignment the column's value in one
//! row of its table (the same row for all of that table's columns), a bound the column's median
//! (a pair of bounds its 40th and 60th percentiles); a parameter that meets no column is NULL.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use schema_core::ident::quote;
use schema_core::model::Schema;
use serde::Serialize;
use tokio_postgres::Client;

use super::candidates::Candidate;
use super::prove::parse_plan;
use super::usage::{self, Parameter, Role};
use super::workload::Query;
use super::{AdviseOptions, QueryReport};
use crate::db;
use crate::error::Error;
use crate::migrations::{Migration, Snapshot};
use crate::rehearse::{CopyReport, RehearseOptions, Rehearser, ScriptRun, StepFailure};

/// The copy's lock_timeout and statement_timeout while the migration runs, and the longest a
/// statement of the workload may run there.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);
const MIGRATION_TIMEOUT: Duration = Duration::from_secs(3600);
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// What `--verify` did.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// How the copy was made.
    pub copy: CopyReport,
    /// The migration's up script, as `generate` writes it.
    pub migration: String,
    /// How it ran on the copy, statement by statement.
    pub run: Option<ScriptRun>,
    /// The statement that failed, when one did (nothing is measured after).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<StepFailure>,
    pub queries: Vec<Verified>,
}

/// One statement of the workload, before and after the migration.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// Its position in the workload.
    pub query: usize,
    /// Where each parameter's value came from (the values are not shown: they are the data).
    pub parameters: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Measured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Measured>,
    /// The plan's scans that the migration changed, `before -> after`.
    pub changed: Vec<String>,
    /// Why it was not measured, or not measured after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One `EXPLAIN (ANALYZE, BUFFERS)` run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measured {
    pub execution_ms: f64,
    pub planning_ms: f64,
    /// Rows the plan's top node returned (or changed, for an UPDATE or DELETE's input).
    pub rows: f64,
    /// Shared buffers found in the cache and read, over the whole plan.
    pub shared_hit: i64,
    pub shared_read: i64,
    pub cost: f64,
    pub scans: Vec<String>,
}

/// Make the copy, measure, migrate, measure again, drop the copy.
pub(super) async fn verify(
    url: &str,
    schema: &Schema,
    chosen: &[(Candidate, String)],
    queries: &[Query],
    reports: &[QueryReport],
    tenant_setting: Option<&str>,
    options: &AdviseOptions,
) -> Result<Verification, Error> {
    let (scratch, copy) = super::copy_of(url, options).await?;
    let result = async {
        let client = scratch.connect().await?;
        measure_all(
            &client,
            scratch.url(),
            schema,
            chosen,
            queries,
            reports,
            tenant_setting,
            options,
        )
        .await
    }
    .await;
    scratch.drop_now().await?;
    let (migration, run, failure, verified) = result?;
    Ok(Verification {
        copy,
        migration,
        run,
        failure,
        queries: verified,
    })
}

type Measurements = (String, Option<ScriptRun>, Option<StepFailure>, Vec<Verified>);

#[allow(clippy::too_many_arguments)]
async fn measure_all(
    client: &Client,
    copy_url: &str,
    schema: &Schema,
    chosen: &[(Candidate, String)],
    queries: &[Query],
    reports: &[QueryReport],
    tenant_setting: Option<&str>,
    options: &AdviseOptions,
) -> Result<Measurements, Error> {
    let session = Session {
        client,
        role: options.role.as_deref(),
        tenant_setting,
    };
    let mut verified = Vec::new();
    // Each statement's parameter values, and its organization (the value meeting
    // `organization_id`) for row-level security.
    let mut values: Vec<(Vec<Option<String>>, Option<String>)> = Vec::new();
    for (i, (query, report)) in queries.iter().zip(reports).enumerate() {
        let mut entry = Verified {
            query: i,
            parameters: Vec::new(),
            before: None,
            after: None,
            changed: Vec::new(),
            note: None,
        };
        if report.before.is_none() {
            entry.note = Some("not planned by the advice, not measured".to_owned());
            verified.push(entry);
            values.push((Vec::new(), None));
            continue;
        }
        let bound = usage::parameters(&query.sql, schema).unwrap_or_default();
        let (chosen_values, sources) = parameter_values(client, &bound).await?;
        entry.parameters = sources;
        let organization = bound
            .iter()
            .find(|(_, p)| p.column == "organization_id")
            .and_then(|(n, _)| chosen_values[n - 1].clone());
        match session
            .measure(&query.sql, &chosen_values, organization.as_deref())
            .await?
        {
            Ok(measured) => entry.before = Some(measured),
            Err(why) => entry.note = Some(format!("not measured: {why}")),
        }
        verified.push(entry);
        values.push((chosen_values, organization));
    }

    let migration = migration_of(schema, chosen);
    let rehearse_options = RehearseOptions {
        sample: None,
        lock_timeout: LOCK_TIMEOUT,
        statement_timeout: MIGRATION_TIMEOUT,
    };
    let mut rehearser = Rehearser::new(copy_url, &rehearse_options).await?;
    let (run, failure) = match rehearser.run(&migration, "up").await? {
        Ok(run) => (Some(run), None),
        Err((run, failure)) => (Some(run), Some(failure)),
    };
    drop(rehearser);
    if failure.is_none() {
        for (entry, (values, organization)) in verified.iter_mut().zip(&values) {
            let Some(before) = &entry.before else { continue };
            match session
                .measure(&queries[entry.query].sql, values, organization.as_deref())
                .await?
            {
                Ok(after) => {
                    entry.changed = changed(&before.scans, &after.scans);
                    entry.after = Some(after);
                }
                Err(why) => entry.note = Some(format!("not measured after the migration: {why}")),
            }
        }
    }
    Ok((migration.up, run, failure, verified))
}

/// The migration of the recommended indexes (with their comments): what `generate` writes once the attributes are
/// added (the online plan from the schema as it is to the schema with them).
fn migration_of(schema: &Schema, chosen: &[(Candidate, String)]) -> Migration {
    let mut with = schema.clone();
    for (candidate, comment) in chosen {
        if let Some(table) = with.tables.iter_mut().find(|t| t.name == candidate.table) {
            table.indexes.push(candidate.to_index(comment));
        }
    }
    let description = "advised_indexes";
    let (up, down) = match crate::plan::plan(
        schema,
        &with,
        &schema_core::Renames::default(),
        &crate::plan::PlanOptions::default(),
    ) {
        Ok(plan) => (
            crate::cli::commands::migration_sql(description, "up", &plan.up()),
            crate::cli::commands::migration_sql(description, "down", &plan.down()),
        ),
        // An index the planner refuses (it collides with an existing name): built as written.
        Err(_) => {
            let up: Vec<String> = chosen
                .iter()
                .map(|(c, _)| format!("{};\n", c.create_sql(&c.name(), true)))
                .collect();
            let down: Vec<String> = chosen
                .iter()
                .rev()
                .map(|(c, _)| format!("DROP INDEX CONCURRENTLY {};\n", quote(&c.name())))
                .collect();
            (
                format!("{}\n{}", crate::migrations::NO_TRANSACTION_MARKER, up.concat()),
                format!("{}\n{}", crate::migrations::NO_TRANSACTION_MARKER, down.concat()),
            )
        }
    };
    Migration {
        version: "00000000000000".to_owned(),
        description: description.to_owned(),
        path: PathBuf::from(description),
        up,
        down,
        snapshot: Snapshot::from_schema(with),
        checksum: String::new(),
    }
}

/// The scans only one of two plans has, paired in order: `before -> after`.
fn changed(before: &[String], after: &[String]) -> Vec<String> {
    let gone: Vec<&String> = before.iter().filter(|s| !after.contains(s)).collect();
    let new: Vec<&String> = after.iter().filter(|s| !before.contains(s)).collect();
    let mut out = Vec::new();
    for i in 0..gone.len().max(new.len()) {
        out.push(format!(
            "{} -> {}",
            gone.get(i).map_or("(none)", |s| s.as_str()),
            new.get(i).map_or("(none)", |s| s.as_str())
        ));
    }
    out
}

/// Values for the parameters of one statement, from the copy, and where each came from.
async fn parameter_values(
    client: &Client,
    bound: &BTreeMap<usize, Parameter>,
) -> Result<(Vec<Option<String>>, Vec<String>), Error> {
    let count = bound.keys().max().copied().unwrap_or(0);
    let mut values = vec![None; count];
    let mut sources: Vec<String> = (1..=count)
        .map(|n| format!("${n}: NULL (meets no column)"))
        .collect();
    // One row per table for its equalities and assignments.
    let mut per_table: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (n, p) in bound {
        if matches!(p.role, Role::Equal | Role::Assigned) {
            per_table.entry(&p.table).or_default().push((*n, &p.column));
        }
    }
    for (table, columns) in &per_table {
        let list: Vec<String> = columns
            .iter()
            .map(|(_, c)| format!("{}::text", quote(c)))
            .collect();
        let not_null: Vec<String> = columns
            .iter()
            .map(|(_, c)| format!("{} IS NOT NULL", quote(c)))
            .collect();
        // A row half-way through the table (by the planner's count), or the first one.
        let sql = format!(
            "(SELECT {list} FROM {t} WHERE {cond} OFFSET (SELECT (greatest(reltuples, 0) / 2)::bigint FROM pg_class WHERE oid = to_regclass($1)) LIMIT 1) \
             UNION ALL (SELECT {list} FROM {t} WHERE {cond} LIMIT 1) LIMIT 1",
            list = list.join(", "),
            t = quote(table),
            cond = not_null.join(" AND ")
        );
        let row = client
            .query_opt(&sql, &[&quote(table)])
            .await
            .map_err(|source| Error::Statement {
                sql: sql.clone(),
                source,
            })?;
        for (k, (n, column)) in columns.iter().enumerate() {
            let value: Option<String> = row.as_ref().and_then(|r| r.get(k));
            sources[n - 1] = match value {
                Some(_) => format!("${n}: {table}.{column} of one row"),
                None => format!("${n}: NULL ({table} has no row with {column} set)"),
            };
            values[n - 1] = value;
        }
    }
    for (n, p) in bound {
        if !matches!(p.role, Role::Lower | Role::Upper) {
            continue;
        }
        let both = bound
            .values()
            .filter(|o| o.table == p.table && o.column == p.column);
        let pair = both.clone().any(|o| o.role == Role::Lower) && both.clone().any(|o| o.role == Role::Upper);
        let fraction: f64 = match (pair, p.role) {
            (true, Role::Lower) => 0.4,
            (true, _) => 0.6,
            (false, _) => 0.5,
        };
        let sql = format!(
            "SELECT (percentile_disc($1::float8) WITHIN GROUP (ORDER BY {c}))::text FROM {t}",
            c = quote(&p.column),
            t = quote(&p.table)
        );
        // A type without an order (json) has no percentile: NULL.
        let value: Option<String> = match client.query_one(&sql, &[&fraction]).await {
            Ok(row) => row.get(0),
            Err(_) => None,
        };
        sources[n - 1] = match value {
            Some(_) => format!(
                "${n}: the {}th percentile of {}.{}",
                (fraction * 100.0) as u32,
                p.table,
                p.column
            ),
            None => format!("${n}: NULL ({}.{} has no percentile)", p.table, p.column),
        };
        values[n - 1] = value;
    }
    Ok((values, sources))
}

/// `EXPLAIN (ANALYZE, BUFFERS)` of one statement on `client` (a copy) with `values` for its
/// parameters, as `--verify` measures it: one statement only, in a transaction rolled back.
pub async fn explain_analyze(
    client: &Client,
    sql: &str,
    values: &[Option<String>],
) -> Result<Result<Measured, String>, Error> {
    let session = Session {
        client,
        role: None,
        tenant_setting: None,
    };
    session.measure(sql, values, None).await
}

/// A session on the copy that measures statements.
struct Session<'c> {
    client: &'c Client,
    role: Option<&'c str>,
    tenant_setting: Option<&'c str>,
}

impl Session<'_> {
    /// `EXPLAIN (ANALYZE, BUFFERS)` of the generic plan of `sql` with `values`, the second of two
    /// runs, in a transaction rolled back; or why it cannot be measured.
    async fn measure(
        &self,
        sql: &str,
        values: &[Option<String>],
        organization: Option<&str>,
    ) -> Result<Result<Measured, String>, Error> {
        // One statement only: what follows a `;` would run, not be measured.
        if crate::sql_split::split_statements(sql).len() != 1 {
            return Ok(Err("more than one statement".to_owned()));
        }
        db::execute(self.client, "BEGIN").await?;
        let result = self.measure_in_transaction(sql, values, organization).await;
        db::execute(self.client, "ROLLBACK").await?;
        db::execute(self.client, "DEALLOCATE ALL").await?;
        Ok(result.map_err(|e| db::describe(&e)))
    }

    async fn measure_in_transaction(
        &self,
        sql: &str,
        values: &[Option<String>],
        organization: Option<&str>,
    ) -> Result<Measured, tokio_postgres::Error> {
        let client = self.client;
        client
            .batch_execute(&format!(
                "SET LOCAL plan_cache_mode = force_generic_plan; \
                 SET LOCAL standard_conforming_strings = on; \
                 SET LOCAL statement_timeout = '{}ms'",
                STATEMENT_TIMEOUT.as_millis()
            ))
            .await?;
        if let (Some(setting), Some(organization)) = (self.tenant_setting, organization)
            && self.role.is_some()
        {
            client
                .execute("SELECT set_config($1, $2, true)", &[&setting, &organization])
                .await?;
        }
        if let Some(role) = self.role {
            client
                .batch_execute(&format!("SET LOCAL ROLE {}", quote(role)))
                .await?;
        }
        // The extended protocol refuses a second statement in one PREPARE.
        client
            .execute(&format!("PREPARE advise_verify AS {sql}"), &[])
            .await?;
        let params: i32 = client
            .query_one(
                "SELECT coalesce(array_length(parameter_types, 1), 0) FROM pg_prepared_statements WHERE name = 'advise_verify'",
                &[],
            )
            .await?
            .get(0);
        let args: Vec<String> = (0..params.max(0) as usize)
            .map(|i| match values.get(i).cloned().flatten() {
                Some(value) => format!("'{}'", value.replace('\'', "''")),
                None => "NULL".to_owned(),
            })
            .collect();
        let args = if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        };
        let explain = format!("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE advise_verify{args}");
        let mut last = None;
        for _ in 0..2 {
            let row = client.query_one(&explain, &[]).await?;
            last = Some(row.get::<_, serde_json::Value>(0));
        }
        Ok(measured(&last.unwrap_or_default()))
    }
}

/// The figures of an `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`.
fn measured(json: &serde_json::Value) -> Measured {
    let top = json.get(0);
    let plan = top.and_then(|t| t.get("Plan"));
    let number =
        |v: Option<&serde_json::Value>, key: &str| v.and_then(|v| v.get(key)).and_then(|v| v.as_f64());
    let info = parse_plan(&json.to_string());
    Measured {
        execution_ms: number(top, "Execution Time").unwrap_or(0.0),
        planning_ms: number(top, "Planning Time").unwrap_or(0.0),
        rows: number(plan, "Actual Rows").unwrap_or(0.0),
        shared_hit: number(plan, "Shared Hit Blocks").unwrap_or(0.0) as i64,
        shared_read: number(plan, "Shared Read Blocks").unwrap_or(0.0) as i64,
        cost: info.as_ref().map_or(0.0, |i| i.cost),
        scans: info.map(|i| i.scans).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_scans_pair_up() {
        let before = ["Limit".to_owned(), "Seq Scan on invoices".to_owned()];
        let after = ["Limit".to_owned(), "Index Scan using x on invoices".to_owned()];
        assert_eq!(
            changed(&before, &after),
            ["Seq Scan on invoices -> Index Scan using x on invoices"]
        );
        assert!(changed(&before, &before).is_empty());
    }

    #[test]
    fn figures_of_explain_analyze() {
        let json: serde_json::Value = serde_json::from_str(
            r#"[{"Plan": {"Node Type": "Index Scan", "Relation Name": "t", "Index Name": "t_a",
                 "Total Cost": 8.3, "Actual Rows": 3, "Shared Hit Blocks": 4, "Shared Read Blocks": 1},
                 "Planning Time": 0.1, "Execution Time": 0.25}]"#,
        )
        .unwrap();
        let m = measured(&json);
        assert_eq!((m.execution_ms, m.planning_ms, m.rows), (0.25, 0.1, 3.0));
        assert_eq!((m.shared_hit, m.shared_read), (4, 1));
        assert_eq!(m.scans, ["Index Scan using t_a on t"]);
    }
}
