//! The planner's verdict on a candidate: each statement is planned (a generic plan, as a prepared
//! statement with parameters gets) before and with the candidate, and the candidate counts only
//! when the plan uses it and costs less.
//!
//! Two ways to have the candidate without building it on the database: a HypoPG hypothetical
//! index (nothing is written: the extension, when not installed yet, is created in a transaction
//! that is rolled back), or, where HypoPG is not available, a real index built in a transaction
//! that is rolled back, on a throwaway copy of the database.

use std::collections::BTreeSet;

use tokio_postgres::Client;

use super::candidates::Candidate;
use crate::db;
use crate::error::Error;

/// A plan as the advice reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanInfo {
    /// The planner's total cost estimate.
    pub cost: f64,
    /// The scans of the plan, as EXPLAIN names them ("Seq Scan on invoices", "Index Scan using
    /// invoices_status_due_idx on invoices").
    pub scans: Vec<String>,
    #[serde(skip)]
    pub indexes: BTreeSet<String>,
}

/// How candidates are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Hypothetical,
    RealOnCopy,
}

/// A candidate present for planning.
pub struct Present {
    /// The name the plan shows for it.
    pub plan_name: String,
    oid: Option<u32>,
    savepoint: Option<String>,
}

/// A session planning statements with and without candidates, in one transaction that is
/// rolled back at the end.
pub struct Prover<'c> {
    client: &'c Client,
    pub method: Method,
    next: usize,
}

/// Whether HypoPG can be used on this session: installed, or available to install (by a role
/// that may create it).
pub async fn hypopg_available(client: &Client) -> Result<bool, Error> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg')";
    let row = client
        .query_one(sql, &[])
        .await
        .map_err(|source| Error::Statement {
            sql: sql.to_owned(),
            source,
        })?;
    Ok(row.get(0))
}

impl<'c> Prover<'c> {
    /// Start on `client`; with `Method::Hypothetical`, HypoPG must be available (it is created in
    /// the transaction when not installed, so nothing stays). `role` and `tenant` make the plans
    /// those of the application role under row-level security, for one organization.
    pub async fn start(
        client: &'c Client,
        method: Method,
        role: Option<&str>,
        tenant: Option<(&str, &str)>,
    ) -> Result<Prover<'c>, Error> {
        db::execute(client, "BEGIN").await?;
        if method == Method::Hypothetical {
            db::execute(client, "CREATE EXTENSION IF NOT EXISTS hypopg").await?;
            db::execute(client, "SELECT hypopg_reset()").await?;
        }
        db::execute(client, "SET LOCAL plan_cache_mode = force_generic_plan").await?;
        if let Some((setting, organization)) = tenant {
            let sql = "SELECT set_config($1, $2, true)";
            client
                .execute(sql, &[&setting, &organization])
                .await
                .map_err(|source| Error::Statement {
                    sql: sql.to_owned(),
                    source,
                })?;
        }
        if let Some(role) = role {
            db::execute(
                client,
                &format!("SET LOCAL ROLE {}", schema_core::ident::quote(role)),
            )
            .await?;
        }
        Ok(Prover {
            client,
            method,
            next: 0,
        })
    }

    /// The generic plan of `sql`, or why it cannot be planned (a parameter whose type cannot be
    /// inferred, an unknown column...). A failure leaves the transaction usable.
    pub async fn plan(&mut self, sql: &str) -> Result<Result<PlanInfo, String>, Error> {
        // One statement only: what follows a `;` would run, not be planned.
        if crate::sql_split::split_statements(sql).len() != 1 {
            return Ok(Err("more than one statement".to_owned()));
        }
        self.next += 1;
        let name = format!("advise_q{}", self.next);
        db::execute(self.client, "SAVEPOINT advise_plan").await?;
        let result = async {
            self.client
                .batch_execute(&format!("PREPARE {name} AS {sql}"))
                .await?;
            let params: i32 = self
                .client
                .query_one(
                    "SELECT coalesce(array_length(parameter_types, 1), 0) FROM pg_prepared_statements WHERE name = $1",
                    &[&name],
                )
                .await?
                .get(0);
            let args = if params > 0 {
                format!("({})", vec!["NULL"; params as usize].join(", "))
            } else {
                String::new()
            };
            let row = self
                .client
                .query_one(&format!("EXPLAIN (FORMAT JSON) EXECUTE {name}{args}"), &[])
                .await?;
            self.client.batch_execute(&format!("DEALLOCATE {name}")).await?;
            let text: String = match row.try_get::<_, serde_json::Value>(0) {
                Ok(v) => v.to_string(),
                Err(_) => row.get(0),
            };
            Ok::<_, tokio_postgres::Error>(text)
        }
        .await;
        match result {
            Ok(json) => {
                db::execute(self.client, "RELEASE SAVEPOINT advise_plan").await?;
                Ok(parse_plan(&json).ok_or_else(|| "EXPLAIN returned no plan".to_owned()))
            }
            Err(error) => {
                db::execute(self.client, "ROLLBACK TO SAVEPOINT advise_plan").await?;
                db::execute(self.client, "RELEASE SAVEPOINT advise_plan").await?;
                Ok(Err(db::describe(&error)))
            }
        }
    }

    /// Make `candidate` present for the following plans.
    pub async fn add(&mut self, candidate: &Candidate) -> Result<Present, Error> {
        self.next += 1;
        match self.method {
            Method::Hypothetical => {
                let sql = "SELECT indexrelid::oid, indexname FROM hypopg_create_index($1)";
                let ddl = candidate.create_sql(&candidate.name(), false);
                let row = self
                    .client
                    .query_one(sql, &[&ddl])
                    .await
                    .map_err(|source| Error::Statement {
                        sql: ddl.clone(),
                        source,
                    })?;
                Ok(Present {
                    plan_name: row.get(1),
                    oid: Some(row.get(0)),
                    savepoint: None,
                })
            }
            Method::RealOnCopy => {
                let savepoint = format!("advise_candidate_{}", self.next);
                let name = format!("advise_candidate_{}", self.next);
                db::execute(self.client, &format!("SAVEPOINT {savepoint}")).await?;
                db::execute(self.client, &candidate.create_sql(&name, false)).await?;
                Ok(Present {
                    plan_name: name,
                    oid: None,
                    savepoint: Some(savepoint),
                })
            }
        }
    }

    /// The size of a present candidate and the row estimate of its table where it is present:
    /// HypoPG's estimate, or the built index's size on the copy.
    pub async fn size(&mut self, present: &Present, table: &str) -> Result<(i64, f64), Error> {
        let (sql, row) = match present.oid {
            Some(oid) => {
                let sql = "SELECT hypopg_relation_size($1)::bigint, \
                           (SELECT greatest(reltuples, 0)::float8 FROM pg_class WHERE oid = to_regclass($2))";
                (
                    sql,
                    self.client
                        .query_one(sql, &[&oid, &schema_core::ident::quote(table)])
                        .await,
                )
            }
            None => {
                let sql = "SELECT pg_relation_size(to_regclass($1))::bigint, \
                           (SELECT greatest(reltuples, 0)::float8 FROM pg_class WHERE oid = to_regclass($2))";
                let index = schema_core::ident::quote(&present.plan_name);
                (
                    sql,
                    self.client
                        .query_one(sql, &[&index, &schema_core::ident::quote(table)])
                        .await,
                )
            }
        };
        let row = row.map_err(|source| Error::Statement {
            sql: sql.to_owned(),
            source,
        })?;
        Ok((
            row.get::<_, Option<i64>>(0).unwrap_or(0),
            row.get::<_, Option<f64>>(1).unwrap_or(0.0),
        ))
    }

    /// Take a candidate away again.
    pub async fn remove(&mut self, present: Present) -> Result<(), Error> {
        if let Some(oid) = present.oid {
            let sql = "SELECT hypopg_drop_index($1)";
            self.client
                .execute(sql, &[&oid])
                .await
                .map_err(|source| Error::Statement {
                    sql: sql.to_owned(),
                    source,
                })?;
        }
        if let Some(savepoint) = present.savepoint {
            db::execute(self.client, &format!("ROLLBACK TO SAVEPOINT {savepoint}")).await?;
            db::execute(self.client, &format!("RELEASE SAVEPOINT {savepoint}")).await?;
        }
        Ok(())
    }

    /// Roll everything back: no hypothetical or real index stays, nor the extension when this
    /// transaction created it.
    pub async fn finish(self) -> Result<(), Error> {
        db::execute(self.client, "ROLLBACK").await
    }
}

/// Cost and scans of EXPLAIN (FORMAT JSON)'s output.
pub fn parse_plan(json: &str) -> Option<PlanInfo> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let plan = value.get(0)?.get("Plan")?;
    let cost = plan.get("Total Cost")?.as_f64()?;
    let mut info = PlanInfo {
        cost,
        scans: Vec::new(),
        indexes: BTreeSet::new(),
    };
    walk(plan, &mut info);
    Some(info)
}

fn walk(node: &serde_json::Value, info: &mut PlanInfo) {
    let kind = node.get("Node Type").and_then(|v| v.as_str()).unwrap_or("");
    let relation = node.get("Relation Name").and_then(|v| v.as_str());
    let index = node.get("Index Name").and_then(|v| v.as_str());
    if let Some(index) = index {
        info.indexes.insert(index.to_owned());
    }
    match (relation, index) {
        (Some(r), Some(i)) => info.scans.push(format!("{kind} using {i} on {r}")),
        (Some(r), None) => info.scans.push(format!("{kind} on {r}")),
        (None, Some(i)) => info.scans.push(format!("{kind} on {i}")),
        (None, None) => {}
    }
    for child in node.get("Plans").and_then(|v| v.as_array()).into_iter().flatten() {
        walk(child, info);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_and_indexes_of_a_plan() {
        let json = r#"[{"Plan": {"Node Type": "Limit", "Total Cost": 12.5, "Plans": [
            {"Node Type": "Index Scan", "Relation Name": "invoices", "Index Name": "<13>btree_invoices_a", "Total Cost": 12.0},
            {"Node Type": "Bitmap Index Scan", "Index Name": "x_idx", "Total Cost": 1.0},
            {"Node Type": "Seq Scan", "Relation Name": "customers", "Total Cost": 3.0}]}}]"#;
        let info = parse_plan(json).unwrap();
        assert_eq!(info.cost, 12.5);
        assert_eq!(
            info.scans,
            [
                "Index Scan using <13>btree_invoices_a on invoices",
                "Bitmap Index Scan on x_idx",
                "Seq Scan on customers"
            ]
        );
        assert!(info.indexes.contains("x_idx"));
        assert!(parse_plan("[]").is_none());
    }
}
