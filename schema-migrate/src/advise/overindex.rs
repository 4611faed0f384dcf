//! Over-indexing: indexes that cost writes and serve nothing. Unused ones (no scan since the
//! statistics were last reset), duplicates and redundant prefixes of another index with the same
//! predicate, foreign keys no index supports, and indexes wider than any statement of the
//! workload needs.

use std::collections::BTreeMap;

use schema_core::model::{IndexTarget, Schema, Table};
use tokio_postgres::Client;

use super::candidates::same_predicate;
use super::usage::TableUse;
use crate::error::Error;

/// One over-indexing finding.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// `unused`, `duplicate`, `redundant`, `unindexed_foreign_key` or `wider_than_needed`.
    pub kind: &'static str,
    pub table: String,
    /// The index, or the foreign key for `unindexed_foreign_key`.
    pub object: String,
    pub detail: String,
}

/// A key list of an index or key: columns and expressions as written, with directions.
fn keys(table: &Table, name: &str) -> Option<(Vec<String>, Option<String>, bool)> {
    if let Some(index) = table.indexes.iter().find(|i| i.name == name) {
        let keys = index
            .keys
            .iter()
            .map(|k| match &k.target {
                IndexTarget::Column(c) => format!(
                    "{c}{}",
                    if k.order == schema_core::model::SortOrder::Desc {
                        " desc"
                    } else {
                        ""
                    }
                ),
                IndexTarget::Expression(e) => format!("({e})"),
            })
            .collect();
        return (index.method == "btree").then_some((keys, index.predicate.clone(), index.unique));
    }
    None
}

/// Duplicates, redundant prefixes and unindexed foreign keys, from the schema alone.
pub fn from_schema(schema: &Schema) -> Vec<Finding> {
    let mut out = Vec::new();
    for table in &schema.tables {
        let constraint_keys: Vec<(String, Vec<String>)> = table
            .primary_key
            .iter()
            .map(|pk| (pk.name.clone(), pk.columns.clone()))
            .chain(table.uniques.iter().map(|u| (u.name.clone(), u.columns.clone())))
            .collect();
        for index in &table.indexes {
            let Some((mine, predicate, unique)) = keys(table, &index.name) else {
                continue;
            };
            if unique {
                continue;
            }
            // Another index (or key) that starts with all of this one's keys, same predicate.
            let mut covering: Option<(String, bool)> = None;
            for other in table.indexes.iter().filter(|o| o.name != index.name) {
                let Some((theirs, their_predicate, _)) = keys(table, &other.name) else {
                    continue;
                };
                if !same_predicate(predicate.as_deref(), their_predicate.as_deref())
                    || theirs.len() < mine.len()
                    || theirs[..mine.len()] != mine[..]
                {
                    continue;
                }
                let same = theirs.len() == mine.len() && other.include == index.include;
                // Of two identical indexes, report the one whose name sorts last.
                if same && other.name > index.name {
                    continue;
                }
                covering = Some((other.name.clone(), same));
                break;
            }
            if covering.is_none() && predicate.is_none() {
                for (name, columns) in &constraint_keys {
                    if columns.len() >= mine.len() && columns[..mine.len()] == mine[..] {
                        covering = Some((name.clone(), columns.len() == mine.len()));
                        break;
                    }
                }
            }
            // Its leading keys hold a whole unique key: one row per lookup already.
            if covering.is_none() && predicate.is_none() {
                let lead: Vec<&str> = index.key_columns().collect();
                if let Some((name, columns)) = constraint_keys.iter().find(|(_, columns)| {
                    columns.len() < lead.len() && {
                        let mut a: Vec<&str> = lead[..columns.len()].to_vec();
                        let mut b: Vec<&str> = columns.iter().map(String::as_str).collect();
                        a.sort_unstable();
                        b.sort_unstable();
                        a == b
                    }
                }) {
                    out.push(Finding {
                        kind: "redundant",
                        table: table.name.clone(),
                        object: index.name.clone(),
                        detail: format!(
                            "its leading keys ({}) are unique already ({name}): the keys after them narrow nothing; drop it unless it serves index-only scans",
                            columns.join(", ")
                        ),
                    });
                    continue;
                }
            }
            if let Some((other, same)) = covering {
                out.push(Finding {
                    kind: if same { "duplicate" } else { "redundant" },
                    table: table.name.clone(),
                    object: index.name.clone(),
                    detail: if same {
                        format!("has the same keys as {other}; drop one of them")
                    } else {
                        format!(
                            "its keys ({}) lead {other}, which serves the same lookups; drop it",
                            mine.join(", ")
                        )
                    },
                });
            }
        }
        for fk in &table.foreign_keys {
            let supported = supported_by_another(table, &fk.columns, "");
            if !supported {
                out.push(Finding {
                    kind: "unindexed_foreign_key",
                    table: table.name.clone(),
                    object: fk.name.clone(),
                    detail: format!(
                        "no index leads with ({}): a delete or key update in {} scans {} for each row",
                        fk.columns.join(", "),
                        fk.referenced_table,
                        table.name
                    ),
                });
            }
        }
    }
    out
}

/// Indexes of the tables the workload reads whose trailing keys no statement can use: the
/// longest prefix a statement uses (its equality columns in any order, then one range or sort
/// column) is shorter than the index.
pub fn wider_than_needed(schema: &Schema, uses: &[Vec<TableUse>]) -> Vec<Finding> {
    let mut per_table: BTreeMap<&str, Vec<&TableUse>> = BTreeMap::new();
    for usage in uses.iter().flatten() {
        per_table.entry(usage.table.as_str()).or_default().push(usage);
    }
    let mut out = Vec::new();
    for table in &schema.tables {
        let Some(statements) = per_table.get(table.name.as_str()) else {
            continue;
        };
        for index in table.indexes.iter().filter(|i| !i.unique && i.method == "btree") {
            let columns: Vec<&str> = index
                .keys
                .iter()
                .map_while(|k| match &k.target {
                    IndexTarget::Column(c) => Some(c.as_str()),
                    IndexTarget::Expression(_) => None,
                })
                .collect();
            if columns.len() != index.keys.len() || columns.len() < 2 {
                continue;
            }
            let used = statements
                .iter()
                .map(|u| {
                    let mut n = 0;
                    while n < columns.len()
                        && (u.equal.iter().any(|c| c == columns[n])
                            || (n == 0 && columns[0] == "organization_id"))
                    {
                        n += 1;
                    }
                    if n < columns.len()
                        && (u.range.iter().any(|c| c == columns[n])
                            || u.order.iter().any(|(c, _)| c == columns[n]))
                    {
                        n += 1;
                        // A sort may use further keys in order.
                        while n < columns.len() && u.order.iter().any(|(c, _)| c == columns[n]) {
                            n += 1;
                        }
                    }
                    n
                })
                .max()
                .unwrap_or(0);
            if used > 0 && used < columns.len() {
                out.push(Finding {
                    kind: "wider_than_needed",
                    table: table.name.clone(),
                    object: index.name.clone(),
                    detail: format!(
                        "the workload uses only its first {used} of {} keys ({}); the rest cost writes and space",
                        columns.len(),
                        columns[..used].join(", ")
                    ),
                });
            }
        }
    }
    out
}

/// An unused index that supports a foreign key stays: a delete or key change of a referenced row
/// scans the table without it. Say so instead of suggesting the drop.
pub fn annotate_unused(schema: &Schema, found: Vec<Finding>) -> Vec<Finding> {
    found
        .into_iter()
        .map(|mut finding| {
            let Some(table) = schema.tables.iter().find(|t| t.name == finding.table) else {
                return finding;
            };
            let Some(index) = table.indexes.iter().find(|i| i.name == finding.object) else {
                return finding;
            };
            let lead: Vec<&str> = index.key_columns().collect();
            // Only the foreign keys that no other index or key supports need this one.
            if let Some(fk) = table.foreign_keys.iter().find(|fk| {
                leads_with(&lead, &fk.columns) && !supported_by_another(table, &fk.columns, &index.name)
            }) {
                finding.detail.push_str(&format!(
                    "; but it supports foreign key {} (a delete in {} needs it): keep it",
                    fk.name, fk.referenced_table
                ));
            }
            finding
        })
        .collect()
}

/// Whether `lead` starts with `columns`, in any order.
fn leads_with(lead: &[&str], columns: &[String]) -> bool {
    lead.len() >= columns.len() && {
        let mut a: Vec<&str> = lead[..columns.len()].to_vec();
        let mut b: Vec<&str> = columns.iter().map(String::as_str).collect();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    }
}

/// Whether an index other than `except`, or a key, leads with `columns`.
fn supported_by_another(table: &Table, columns: &[String], except: &str) -> bool {
    let keys = table
        .primary_key
        .iter()
        .map(|pk| pk.columns.clone())
        .chain(table.uniques.iter().map(|u| u.columns.clone()));
    let indexes = table
        .indexes
        .iter()
        .filter(|i| i.name != except && i.predicate.is_none() && i.method == "btree")
        .map(|i| i.key_columns().map(str::to_owned).collect::<Vec<_>>());
    keys.chain(indexes).any(|lead| {
        let lead: Vec<&str> = lead.iter().map(String::as_str).collect();
        leads_with(&lead, columns)
    })
}

/// Indexes never scanned since the statistics were last reset (not those backing a key), with
/// the reset time.
pub async fn unused(client: &Client) -> Result<Vec<Finding>, Error> {
    let sql = include_str!("unused.sql");
    let rows = client.query(sql, &[]).await.map_err(|source| Error::Statement {
        sql: sql.to_owned(),
        source,
    })?;
    Ok(rows
        .iter()
        .map(|row| {
            let since: Option<String> = row.get("since");
            let size: String = row.get("size");
            Finding {
                kind: "unused",
                table: row.get("table_name"),
                object: row.get("index_name"),
                detail: format!(
                    "no scan since {} ({size}); every write to the table still updates it",
                    since.unwrap_or_else(|| "the statistics began".to_owned())
                ),
            }
        })
        .collect())
}
