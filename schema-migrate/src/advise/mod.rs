//! Index advice from the workload, proven by the planner, written back as the attribute to add.
//!
//! The workload ([`workload`]) is read into what each statement asks of each table ([`usage`]);
//! candidates ([`candidates`]) follow the schema's tenancy and skip what an existing index
//! serves; each is planned in ([`prove`]) with HypoPG, or as a real index rolled back on a copy,
//! and a small set is chosen greedily by benefit (cost saved × calls) per index, weighed by
//! how much its table is read rather than written ([`stats`]). What costs writes without serving
//! anything is reported too ([`overindex`]), once the statistics are old enough. With
//! `--verify`, the chosen indexes run as a migration on a copy, each statement measured before
//! and after ([`verify`]).

pub mod candidates;
pub mod overindex;
pub mod prove;
pub mod stats;
pub mod usage;
pub mod verify;
pub mod workload;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use schema_core::DeclaredSchema;
use schema_core::declare::Tenancy;
use schema_core::model::{ColumnType, Schema, Table};
use serde::Serialize;
use tokio_postgres::Client;

use crate::db;
use crate::error::Error;
use crate::inspect::{InspectOptions, inspect};
use crate::rehearse::Sample;
use candidates::Candidate;
use prove::{Method, PlanInfo, Prover};
use workload::Query;

/// How `advise` runs.
#[derive(Debug, Clone)]
pub struct AdviseOptions {
    /// Statements to advise on, besides (or instead of) `pg_stat_statements`.
    pub queries: Option<PathBuf>,
    /// Read the top statements of `pg_stat_statements` when it is installed.
    pub statements: bool,
    /// How many of them.
    pub top: i64,
    /// At most this many recommendations.
    pub max_indexes: usize,
    /// A candidate must cut a statement's cost by at least this share (0.1: 10 %) to count.
    pub min_gain: f64,
    /// Plan as this role (row-level security applies, for one organization).
    pub role: Option<String>,
    /// Never use HypoPG: prove on a copy (for a database where HypoPG must not be created).
    pub no_hypopg: bool,
    /// The copy's rows when it cannot be a template copy.
    pub sample: Sample,
    /// The server the copy goes to (a database other than the target on it).
    pub copy_server: Option<String>,
    /// Statistics younger than this (since their reset) call no index unused.
    pub min_stats_age: Duration,
    /// Run the recommended indexes as a migration on a copy and measure the workload before and
    /// after (`EXPLAIN ANALYZE`, on the copy only).
    pub verify: bool,
}

impl Default for AdviseOptions {
    fn default() -> Self {
        AdviseOptions {
            queries: None,
            statements: true,
            top: 200,
            max_indexes: 10,
            min_gain: 0.1,
            role: None,
            no_hypopg: false,
            sample: Sample::Percent(10.0),
            copy_server: None,
            min_stats_age: stats::DEFAULT_MIN_AGE,
            verify: false,
        }
    }
}

/// What `advise` found.
#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    /// How candidates were tried.
    pub method: Method,
    /// Why not with HypoPG, when it fell back to a copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    pub workload: Vec<QueryReport>,
    pub recommendations: Vec<Recommendation>,
    pub over_indexing: Vec<overindex::Finding>,
    /// How many candidates were planned.
    pub candidates_tried: usize,
    /// Since when the statistics count (for the unused indexes).
    pub stats: stats::StatsWindow,
    /// `--verify`: the workload on a copy before and after the migration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<verify::Verification>,
}

/// One statement of the workload and what the advice does for it.
#[derive(Debug, Clone, Serialize)]
pub struct QueryReport {
    pub sql: String,
    pub calls: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_ms: Option<f64>,
    pub source: String,
    /// The tables of the schema it reads.
    pub tables: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<PlanInfo>,
    /// The plan with the recommended indexes, when one of them serves it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<PlanInfo>,
    /// Existing indexes its plan already uses.
    pub uses_existing: Vec<String>,
    /// Recommended indexes that serve it.
    pub served_by: Vec<String>,
    /// Why nothing is said about it (not parsed, not planned, names no table of the schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One index to add.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub table: String,
    /// The struct that declares the table, when the declared schema has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rust_struct: Option<String>,
    pub name: String,
    pub candidate: Candidate,
    /// The index's comment: which statements it serves.
    pub comment: String,
    /// The attribute to add to the struct, the comment included; `generate` turns it into an
    /// online migration.
    pub attribute: String,
    /// The statement `generate` will write for it.
    pub sql: String,
    /// Planner cost saved, weighted by calls, over the statements it serves.
    pub benefit: f64,
    /// The benefit weighed by the table's read share (see [`stats`]): what the choice ranks by.
    pub score: f64,
    pub gains: Vec<Gain>,
    /// What it costs on writes.
    pub write_cost: String,
    /// The same, as figures.
    pub writes: WriteCost,
}

/// What an index costs on writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriteCost {
    /// The table's indexes (keys' included) before it, counting the recommendations before it.
    pub indexes_before: usize,
    pub indexes_after: usize,
    /// Key bytes per row (`pg_stats`' average widths, else the types').
    pub key_bytes: u32,
    /// Its estimated size: HypoPG's estimate, or the index built on the copy (scaled to the
    /// table's rows when the copy is a sample).
    pub estimated_bytes: i64,
    /// Statements that read the table and rows written that update its indexes, since the
    /// statistics were reset.
    pub table_reads: i64,
    pub table_rows_written: i64,
    /// `(reads + 1) / (reads + rows written + 1)`: the weight of its benefit.
    pub read_share: f64,
}

/// What a recommendation does for one statement.
#[derive(Debug, Clone, Serialize)]
pub struct Gain {
    /// The statement's position in the workload.
    pub query: usize,
    pub cost_before: f64,
    pub cost_after: f64,
    pub scan_before: String,
    pub scan_after: String,
}

/// Advise on the database at `url`. `declared` (the app's schema) names the structs, tells the
/// tenancy of each table and counts declared indexes not applied yet as existing.
pub async fn advise(
    url: &str,
    declared: Option<&DeclaredSchema>,
    options: &AdviseOptions,
) -> Result<Advice, Error> {
    let client = db::connect(url).await?;
    let mut schema = inspect(&client, &InspectOptions::default()).await?.schema;
    if let Some(declared) = declared {
        add_declared_indexes(&mut schema, &declared.schema);
    }

    let mut queries: Vec<Query> = Vec::new();
    if let Some(path) = &options.queries {
        queries.extend(workload::from_file(path)?);
    }
    if options.statements && workload::has_statements(&client).await? {
        queries.extend(workload::from_statements(&client, options.top).await?);
    } else if options.queries.is_none() {
        return Err(Error::Config(
            "no workload: pg_stat_statements is not installed on this database (or not readable by this role); give the statements with --queries FILE".to_owned(),
        ));
    }

    let tenancy: BTreeMap<&str, bool> = schema
        .tables
        .iter()
        .map(|t| {
            let tenant = match declared.and_then(|d| d.tables.iter().find(|def| def.table.name == t.name)) {
                Some(def) => def.tenancy == Tenancy::Tenant,
                None => t.columns.iter().any(|c| c.name == "organization_id"),
            };
            // organization_id leads only where row-level security adds it to every statement.
            let tenant = tenant && t.row_level_security.enabled;
            (t.name.as_str(), tenant)
        })
        .collect();
    let tables: BTreeMap<String, (&Table, bool)> = schema
        .tables
        .iter()
        .map(|t| (t.name.clone(), (t, tenancy[t.name.as_str()])))
        .collect();

    let mut reports: Vec<QueryReport> = Vec::new();
    let mut uses: Vec<Vec<usage::TableUse>> = Vec::new();
    for query in &queries {
        let (found, note) = match usage::uses(&query.sql, &schema) {
            Ok(found) if found.is_empty() => (Vec::new(), Some("names no table of the schema".to_owned())),
            Ok(found) => (found, None),
            Err(error) => (Vec::new(), Some(format!("not parsed: {error}"))),
        };
        reports.push(QueryReport {
            sql: query.sql.clone(),
            calls: query.calls,
            mean_ms: query.mean_ms,
            source: query.source.clone(),
            tables: found.iter().map(|u| u.table.clone()).collect(),
            before: None,
            after: None,
            uses_existing: Vec::new(),
            served_by: Vec::new(),
            note,
        });
        uses.push(found);
    }
    let (candidates, _served) = candidates::for_workload(&tables, &uses);

    let window = stats::window(&client, options.min_stats_age).await?;
    let activity = stats::activity(&client).await?;
    let mut over_indexing = overindex::from_schema(&schema);
    over_indexing.extend(overindex::wider_than_needed(&schema, &uses));
    if window.unused_reported {
        over_indexing.extend(overindex::annotate_unused(
            &schema,
            overindex::unused(&client).await?,
        ));
    }
    over_indexing.sort_by(|a, b| (a.kind, &a.table, &a.object).cmp(&(b.kind, &b.table, &b.object)));
    let widths = column_widths(&client).await?;

    let tenant = declared.map(|d| d.tenant_setting.clone());
    let tenant_value = "00000000-0000-0000-0000-000000000000";
    let tenant_pair = options
        .role
        .as_ref()
        .and(tenant.as_deref())
        .map(|setting| (setting, tenant_value));

    let hypothetical = !options.no_hypopg && prove::hypopg_available(&client).await?;
    let mut fallback = None;
    let outcome = if hypothetical {
        match Prover::start(
            &client,
            Method::Hypothetical,
            options.role.as_deref(),
            tenant_pair,
        )
        .await
        {
            Ok(prover) => {
                Some(choose(prover, &candidates, &queries, &mut reports, &activity, options).await?)
            }
            Err(error) => {
                let _ = db::execute(&client, "ROLLBACK").await;
                fallback = Some(format!("HypoPG cannot be used here ({error})"));
                None
            }
        }
    } else {
        fallback = Some(if options.no_hypopg {
            "--no-hypopg was given".to_owned()
        } else {
            "HypoPG is not installed on the server (Debian: apt-get install postgresql-15-hypopg)".to_owned()
        });
        None
    };
    // The copies below are template copies only when no session uses the database.
    drop(client);
    let (method, chosen, tried) = match outcome {
        Some((chosen, tried)) => (Method::Hypothetical, chosen, tried),
        None => {
            let (scratch, _copy) = copy_of(url, options).await?;
            let result = async {
                let copy = scratch.connect().await?;
                let prover =
                    Prover::start(&copy, Method::RealOnCopy, options.role.as_deref(), tenant_pair).await?;
                choose(prover, &candidates, &queries, &mut reports, &activity, options).await
            }
            .await;
            scratch.drop_now().await?;
            let (chosen, tried) = result?;
            (Method::RealOnCopy, chosen, tried)
        }
    };

    let mut index_count: BTreeMap<String, usize> = schema
        .tables
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.indexes.len() + usize::from(t.primary_key.is_some()) + t.uniques.len(),
            )
        })
        .collect();
    let recommendations: Vec<Recommendation> = chosen
        .into_iter()
        .map(|(candidate, benefit, gains, (bytes, measured_rows))| {
            let count = index_count.entry(candidate.table.clone()).or_default();
            let indexes_before = *count;
            *count += 1;
            let width: u32 = candidate
                .keys
                .iter()
                .map(|(c, _)| {
                    widths
                        .get(&(candidate.table.clone(), c.clone()))
                        .copied()
                        .unwrap_or_else(|| {
                            tables
                                .get(&candidate.table)
                                .and_then(|(t, _)| t.columns.iter().find(|col| col.name == *c))
                                .map(|col| type_width(&col.ty))
                                .unwrap_or(8)
                        })
                })
                .sum();
            let rust_struct = declared.and_then(|d| {
                d.tables
                    .iter()
                    .find(|def| def.table.name == candidate.table)
                    .map(|def| def.rust_name.clone())
            });
            let name = candidate.name();
            let table_activity = activity.get(&candidate.table).copied().unwrap_or_default();
            // A copy's sample holds a share of the rows: its index, a share of the size.
            let estimated_bytes = if measured_rows > 0.0 && table_activity.row_estimate > 0.0 {
                (bytes as f64 * table_activity.row_estimate / measured_rows) as i64
            } else {
                bytes
            };
            let writes = WriteCost {
                indexes_before,
                indexes_after: indexes_before + 1,
                key_bytes: width,
                estimated_bytes,
                table_reads: table_activity.reads,
                table_rows_written: table_activity.rows_written,
                read_share: table_activity.read_share(),
            };
            let comment = serves(&queries, &gains);
            Recommendation {
                table: candidate.table.clone(),
                rust_struct,
                sql: generated_sql(&schema, &candidate, &comment),
                attribute: candidate.attribute(&comment),
                comment,
                name,
                benefit,
                score: benefit * writes.read_share,
                write_cost: write_cost_text(&candidate, &writes),
                writes,
                candidate,
                gains,
            }
        })
        .collect();
    let verification = if options.verify && !recommendations.is_empty() {
        let chosen: Vec<(Candidate, String)> = recommendations
            .iter()
            .map(|r| (r.candidate.clone(), r.comment.clone()))
            .collect();
        Some(
            verify::verify(
                url,
                &schema,
                &chosen,
                &queries,
                &reports,
                tenant.as_deref(),
                options,
            )
            .await?,
        )
    } else {
        None
    };
    Ok(Advice {
        method,
        fallback,
        workload: reports,
        recommendations,
        over_indexing,
        candidates_tried: tried,
        stats: window,
        verification,
    })
}

/// A throwaway copy of the database at `url`: all rows when it can be a template copy (no
/// session on it), else `options.sample`. The database is only read.
async fn copy_of(
    url: &str,
    options: &AdviseOptions,
) -> Result<(crate::scratch::ScratchDb, crate::rehearse::CopyReport), Error> {
    let source = crate::rehearse::connect_read_only(url).await?;
    let server = match &options.copy_server {
        Some(server) => server.clone(),
        None => crate::scratch::with_database(url, "postgres")?,
    };
    let target = crate::rehearse::target(source, &server, false).await?;
    crate::rehearse::make_copy(url, &target, options.sample).await
}

/// The write cost in words: index count before and after, key width, size, and the table's
/// reads against its writes.
fn write_cost_text(candidate: &Candidate, w: &WriteCost) -> String {
    format!(
        "{} -> {} index(es) on {}, each row written updates them all; {} key(s), about {} bytes of keys per row, about {}; since the statistics reset: {} read(s), {} row(s) written, read share {:.0}%",
        w.indexes_before,
        w.indexes_after,
        candidate.table,
        candidate.keys.len(),
        w.key_bytes,
        bytes_text(w.estimated_bytes),
        w.table_reads,
        w.table_rows_written,
        w.read_share * 100.0
    )
}

fn bytes_text(bytes: i64) -> String {
    match bytes {
        b if b >= 10 << 20 => format!("{} MB", b >> 20),
        b if b >= 10 << 10 => format!("{} kB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The comment of an index that serves these statements: "serves " and each statement in words
/// (its label, else its SQL), in workload order.
fn serves(queries: &[Query], gains: &[Gain]) -> String {
    let mut served: Vec<usize> = gains.iter().map(|g| g.query).collect();
    served.sort_unstable();
    served.dedup();
    let described: Vec<String> = served
        .into_iter()
        .filter_map(|q| queries.get(q))
        .map(Query::description)
        .collect();
    format!("serves {}", described.join("; "))
}

/// What `generate` writes once the attribute is added: the online plan from the schema as it is
/// to the schema with the index.
fn generated_sql(schema: &Schema, candidate: &Candidate, comment: &str) -> String {
    let mut with = schema.clone();
    if let Some(table) = with.tables.iter_mut().find(|t| t.name == candidate.table) {
        table.indexes.push(candidate.to_index(comment));
    }
    match crate::plan::plan(
        schema,
        &with,
        &schema_core::Renames::default(),
        &crate::plan::PlanOptions::default(),
    ) {
        Ok(plan) => plan
            .steps
            .iter()
            .flat_map(|s| {
                s.up.iter()
                    .map(|st| st.sql.trim().trim_end_matches(';').to_owned())
            })
            .filter(|sql| !sql.starts_with("SET "))
            .collect::<Vec<_>>()
            .join(";\n"),
        Err(_) => candidate.create_sql(&candidate.name(), true),
    }
}

/// Declared indexes that the database does not have yet count as existing: advice never repeats
/// what the code already says.
fn add_declared_indexes(live: &mut Schema, declared: &Schema) {
    for table in &mut live.tables {
        if let Some(wanted) = declared.tables.iter().find(|t| t.name == table.name) {
            for index in &wanted.indexes {
                if !table.indexes.iter().any(|i| i.name == index.name) {
                    table.indexes.push(index.clone());
                }
            }
        }
    }
}

/// A chosen candidate, its benefit, its gains, and its size with the row count it was measured at.
type Chosen = (Candidate, f64, Vec<Gain>, (i64, f64));

/// A candidate's benefit and the plans of the statements it improves.
type Evaluated = (f64, Vec<(usize, PlanInfo)>);

/// Plan every statement, then pick candidates greedily: each round plans every remaining
/// candidate whose statements changed, keeps the one that saves the most (cost × calls, weighed
/// by its table's read share), and keeps it present for the next rounds. A candidate whose plan
/// does not use it, or saves less than `min_gain` of a statement's cost, saves nothing.
async fn choose(
    mut prover: Prover<'_>,
    candidates: &BTreeMap<Candidate, BTreeSet<usize>>,
    queries: &[Query],
    reports: &mut [QueryReport],
    activity: &BTreeMap<String, stats::Activity>,
    options: &AdviseOptions,
) -> Result<(Vec<Chosen>, usize), Error> {
    let share = |table: &str| activity.get(table).map_or(1.0, stats::Activity::read_share);
    let mut current: Vec<Option<PlanInfo>> = Vec::with_capacity(queries.len());
    for (query, report) in queries.iter().zip(reports.iter_mut()) {
        if report.tables.is_empty() {
            current.push(None);
            continue;
        }
        match prover.plan(&query.sql).await? {
            Ok(plan) => {
                report.uses_existing = plan.indexes.iter().cloned().collect();
                report.before = Some(plan.clone());
                current.push(Some(plan));
            }
            Err(why) => {
                report.note = Some(format!("not planned: {why}"));
                current.push(None);
            }
        }
    }
    // Benefit of each remaining candidate, with its plans, recomputed when a statement changes.
    let mut remaining: BTreeMap<&Candidate, Option<Evaluated>> =
        candidates.keys().map(|c| (c, None)).collect();
    let mut chosen = Vec::new();
    let mut tried = 0;
    while chosen.len() < options.max_indexes {
        for (candidate, evaluated) in remaining.iter_mut() {
            if evaluated.is_some() {
                continue;
            }
            tried += 1;
            let present = prover.add(candidate).await?;
            let mut benefit = 0.0;
            let mut plans = Vec::new();
            for &q in &candidates[*candidate] {
                let Some(before) = &current[q] else { continue };
                if let Ok(plan) = prover.plan(&queries[q].sql).await?
                    && plan.indexes.contains(&present.plan_name)
                    && plan.cost < before.cost * (1.0 - options.min_gain)
                {
                    benefit += (before.cost - plan.cost) * queries[q].calls as f64;
                    plans.push((q, plan));
                }
            }
            prover.remove(present).await?;
            *evaluated = Some((benefit, plans));
        }
        // The best: most benefit per index, weighed by the table's read share; ties to fewer
        // keys, then the name.
        let best = remaining
            .iter()
            .filter_map(|(c, e)| e.as_ref().map(|(b, p)| (*c, *b, p)))
            .filter(|(_, b, _)| *b > 0.0)
            .max_by(|a, b| {
                (a.1 * share(&a.0.table))
                    .total_cmp(&(b.1 * share(&b.0.table)))
                    .then_with(|| b.0.keys.len().cmp(&a.0.keys.len()))
                    .then_with(|| b.0.cmp(a.0))
            })
            .map(|(c, b, p)| (c.clone(), b, p.clone()));
        let Some((candidate, benefit, plans)) = best else {
            break;
        };
        remaining.remove(&candidate);
        // Present from now on (hypothetically, or built in the copy's transaction); its
        // statements are planned again with it, under the name the plan shows now.
        let present = prover.add(&candidate).await?;
        let size = prover.size(&present, &candidate.table).await?;
        let name = candidate.name();
        let mut gains = Vec::new();
        for (q, _) in plans {
            let Ok(plan) = prover.plan(&queries[q].sql).await? else {
                continue;
            };
            let before = current[q].clone().expect("planned");
            let mut after = plan.clone();
            after.scans = after
                .scans
                .iter()
                .map(|s| s.replace(&present.plan_name, &name))
                .collect();
            after.indexes = after
                .indexes
                .iter()
                .map(|i| {
                    if *i == present.plan_name {
                        name.clone()
                    } else {
                        i.clone()
                    }
                })
                .collect();
            gains.push(Gain {
                query: q,
                cost_before: reports[q].before.as_ref().map_or(before.cost, |b| b.cost),
                cost_after: plan.cost,
                scan_before: shown(&before, &candidate.table, None),
                scan_after: shown(&after, &candidate.table, Some(&name)),
            });
            reports[q].served_by.push(name.clone());
            reports[q].after = Some(after);
            current[q] = Some(plan);
            // Every candidate for this statement must be planned again.
            for (other, evaluated) in remaining.iter_mut() {
                if candidates[*other].contains(&q) {
                    *evaluated = None;
                }
            }
        }
        drop(present);
        chosen.push((candidate, benefit, gains, size));
    }
    prover.finish().await?;
    Ok((chosen, tried))
}

/// The scan of a plan that shows what an index changed: the one using `index`, else the first
/// on `table`.
fn shown(plan: &PlanInfo, table: &str, index: Option<&str>) -> String {
    let on_table = format!(" on {table}");
    index
        .and_then(|i| {
            plan.scans
                .iter()
                .find(|s| s.contains(&format!(" {i} ")) || s.ends_with(&format!(" {i}")))
        })
        .or_else(|| plan.scans.iter().find(|s| s.ends_with(&on_table)))
        .cloned()
        .unwrap_or_default()
}

/// Average stored width of each column (`pg_stats`), where the table was analyzed.
async fn column_widths(client: &Client) -> Result<BTreeMap<(String, String), u32>, Error> {
    let sql =
        "SELECT tablename::text, attname::text, avg_width FROM pg_stats WHERE schemaname = current_schema()";
    let rows = client.query(sql, &[]).await.map_err(|source| Error::Statement {
        sql: sql.to_owned(),
        source,
    })?;
    Ok(rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get::<_, i32>(2).max(0) as u32))
        .collect())
}

/// A column's width when it was never analyzed.
fn type_width(ty: &ColumnType) -> u32 {
    match ty {
        ColumnType::SmallInt => 2,
        ColumnType::Integer | ColumnType::Real | ColumnType::Date | ColumnType::Enum(_) => 4,
        ColumnType::BigInt
        | ColumnType::DoublePrecision
        | ColumnType::Timestamptz
        | ColumnType::Timestamp
        | ColumnType::Time => 8,
        ColumnType::Uuid | ColumnType::Interval => 16,
        ColumnType::Boolean => 1,
        ColumnType::Char(n) => (*n).min(64) + 1,
        _ => 32,
    }
}
