//! The workload to advise on: the top statements of `pg_stat_statements` on the database, the
//! statements of a file, or both.

use std::path::Path;

use tokio_postgres::Client;

use crate::error::Error;
use crate::sql_split::{significant_tokens, split_statements, strip_comments};

/// One statement of the workload, with how often and how long it runs when that is known.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Query {
    /// The statement, `$n` parameters allowed.
    pub sql: String,
    /// How many times it ran (1 when unknown).
    pub calls: u64,
    /// Mean execution time in milliseconds, when `pg_stat_statements` measured it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_ms: Option<f64>,
    /// Where it comes from: `pg_stat_statements` or the file's name.
    pub source: String,
    /// What it is, in words (`-- name: the dashboard's open invoices` above it in a file): the
    /// comment of an index that serves it says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Query {
    /// The statement in words: its label, else its SQL on one line (cut after 300 characters:
    /// a statement from `pg_stat_statements` can be long).
    pub fn description(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let flat = self.sql.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() > 300 {
            format!("{}...", flat.chars().take(300).collect::<String>())
        } else {
            flat
        }
    }
}

/// The statements of a queries file: separated by `;`, each optionally preceded by a comment
/// `-- calls: N` that weighs it (1 otherwise) and one `-- name: words` that says what it is. Statements other than SELECT, UPDATE, DELETE and
/// WITH are left out, as an index cannot serve them.
pub fn from_file(path: &Path) -> Result<Vec<Query>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        message: "cannot read the queries file",
        path: path.to_owned(),
        source,
    })?;
    let name = path.display().to_string();
    Ok(split_statements(&text)
        .into_iter()
        .filter_map(|statement| {
            let calls = statement
                .lines()
                .filter_map(|l| l.trim().strip_prefix("--"))
                .filter_map(|c| c.trim().strip_prefix("calls:"))
                .find_map(|n| n.trim().replace('_', "").parse::<u64>().ok())
                .unwrap_or(1);
            let label = statement
                .lines()
                .filter_map(|l| l.trim().strip_prefix("--"))
                .filter_map(|c| c.trim().strip_prefix("name:"))
                .map(str::trim)
                .find(|name| !name.is_empty())
                .map(str::to_owned);
            let sql = strip_comments(&statement)
                .trim()
                .trim_end_matches(';')
                .trim()
                .to_owned();
            is_advisable(&sql).then(|| Query {
                sql,
                calls: calls.max(1),
                mean_ms: None,
                source: name.clone(),
                label,
            })
        })
        .collect())
}

/// Whether an index could serve the statement: a query or a data-changing statement that finds
/// rows (not INSERT ... VALUES, not DDL, not a utility command).
pub fn is_advisable(sql: &str) -> bool {
    significant_tokens(sql).first().is_some_and(|t| {
        t.is_word("SELECT") || t.is_word("WITH") || t.is_word("UPDATE") || t.is_word("DELETE")
    })
}

/// Whether the database has `pg_stat_statements` installed and readable.
pub async fn has_statements(client: &Client) -> Result<bool, Error> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') \
               AND has_function_privilege('pg_stat_statements(boolean)', 'EXECUTE')";
    let row = client
        .query_one(sql, &[])
        .await
        .map_err(|source| Error::Statement {
            sql: sql.to_owned(),
            source,
        })?;
    Ok(row.get(0))
}

/// The `top` statements of this database by total execution time, with their calls and mean
/// time. Statements that only read the catalogs are left out by the caller (they name no table
/// of the schema).
pub async fn from_statements(client: &Client, top: i64) -> Result<Vec<Query>, Error> {
    let sql = include_str!("statements.sql");
    let rows = client
        .query(sql, &[&top])
        .await
        .map_err(|source| Error::Statement {
            sql: sql.to_owned(),
            source,
        })?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let sql: String = row.get("query");
            let calls: i64 = row.get("calls");
            let mean: f64 = row.get("mean_exec_time");
            is_advisable(&sql).then(|| Query {
                sql: sql.trim().trim_end_matches(';').to_owned(),
                calls: calls.max(1) as u64,
                mean_ms: Some(mean),
                source: "pg_stat_statements".to_owned(),
                label: None,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_split_weighed_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sql");
        std::fs::write(
            &path,
            "-- calls: 1_200\nSELECT * FROM invoices WHERE status = $1;\n\
             INSERT INTO t VALUES (1);\nCREATE INDEX x ON t (a);\n\
             -- the dashboard\n-- name: the dashboard's update\nUPDATE t SET a = 1 WHERE id = $1;\nWITH x AS (SELECT 1) SELECT * FROM x",
        )
        .unwrap();
        let queries = from_file(&path).unwrap();
        let got: Vec<(&str, u64)> = queries.iter().map(|q| (q.sql.as_str(), q.calls)).collect();
        assert_eq!(
            got,
            [
                ("SELECT * FROM invoices WHERE status = $1", 1200),
                ("UPDATE t SET a = 1 WHERE id = $1", 1),
                ("WITH x AS (SELECT 1) SELECT * FROM x", 1),
            ]
        );
        let described: Vec<String> = queries.iter().map(Query::description).collect();
        assert_eq!(
            described,
            [
                "SELECT * FROM invoices WHERE status = $1",
                "the dashboard's update",
                "WITH x AS (SELECT 1) SELECT * FROM x",
            ]
        );
    }
}
