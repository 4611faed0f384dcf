//! Benchmark (issue #17): `migrate advise` on a 200-statement workload over a 1,000-table
//! schema, with HypoPG when the server has it (else real indexes on a copy).
//!
//! ```text
//! cargo run --release -p schema-migrate --example bench_advise [-- --tables 1000 --queries 200 --runs 3 --verify]
//! ```
//!
//! It creates a throwaway database of `DATABASE_URL` (default: the local server) with the
//! benchmarks' synthetic tables, 5,000 rows in each table the workload reads, and a workload of
//! four statement shapes per table read (two served by the tables' indexes, two not), then times
//! the whole advice (inspection, parsing, candidates, planner proofs, over-indexing) after one
//! warm-up. With `--verify`, the advice includes the verification (a copy of the database, the
//! migration of the recommended indexes on it, EXPLAIN ANALYZE of each statement before and
//! after).

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::error::Error;
use std::time::{Duration, Instant};

use clap::Parser;
use schema_migrate::advise::{AdviseOptions, advise};
use schema_migrate::db;
use schema_migrate::scratch::ScratchDb;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 1000)]
    tables: usize,
    /// Statements in the workload (four per table read).
    #[arg(long, default_value_t = 200)]
    queries: usize,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Time `advise --verify`.
    #[arg(long)]
    verify: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let server =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| schema_migrate::cluster::LOCAL_SERVER.to_owned());
    let scratch = ScratchDb::create(&server).await?;
    let result = run(&args, scratch.url()).await;
    scratch.drop_now().await?;
    result
}

async fn run(args: &Args, url: &str) -> Result<(), Box<dyn Error>> {
    let client = db::connect(url).await?;
    let started = Instant::now();
    bench_common::create_tables(&client, args.tables, false).await?;
    let read = args.queries.div_ceil(4).min(args.tables);
    let step = (args.tables / read.max(1)).max(1);
    let mut workload = String::new();
    for k in 0..read {
        let i = (k * step).max(1);
        let t = bench_common::table_name(i);
        client
            .batch_execute(&format!(
                "INSERT INTO {t} (name, code, seq, status, created_at)
                 SELECT 'n' || g, '{t}-' || g, g % 97, (ARRAY['draft','active','suspended','closed'])[1 + g % 4]::status,
                        now() - g * interval '1 minute'
                   FROM generate_series(1, 5000) g;
                 ANALYZE {t};"
            ))
            .await?;
        workload.push_str(&format!(
            "-- calls: {}\nSELECT * FROM {t} WHERE code = $1;\n\
             -- calls: 100\nSELECT id FROM {t} WHERE status = $1 AND created_at > $2;\n\
             -- calls: {}\nSELECT * FROM {t} WHERE name = $1;\n\
             -- calls: 50\nSELECT * FROM {t} WHERE seq = $1 ORDER BY created_at DESC LIMIT 10;\n",
            1000 + k,
            500 + k
        ));
    }
    println!(
        "schema: {} tables, {read} with 5,000 rows, {} statements; set up in {:.1} s",
        args.tables,
        read * 4,
        started.elapsed().as_secs_f64()
    );
    // No session of ours on the database: the copy of `--verify` is a template copy.
    drop(client);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("workload.sql");
    std::fs::write(&path, workload)?;
    let options = AdviseOptions {
        queries: Some(path),
        statements: false,
        max_indexes: usize::MAX,
        verify: args.verify,
        ..AdviseOptions::default()
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut last = None;
    for run in 0..=args.runs {
        let started = Instant::now();
        let advice = advise(url, None, &options).await?;
        if run > 0 {
            times.push(started.elapsed());
        }
        last = Some(advice);
    }
    let advice = last.expect("one run");
    let (min, median, max) = bench_common::min_median_max(&times);
    println!(
        "advise ({:?}): min / median / max {min:.0} / {median:.0} / {max:.0} ms over {} runs",
        advice.method, args.runs
    );
    println!(
        "  {} statements planned, {} candidates tried, {} indexes recommended, {} over-indexing findings",
        advice.workload.iter().filter(|q| q.before.is_some()).count(),
        advice.candidates_tried,
        advice.recommendations.len(),
        advice.over_indexing.len()
    );
    if let Some(v) = &advice.verification {
        let measured = v.queries.iter().filter(|q| q.after.is_some()).count();
        let before: f64 = v
            .queries
            .iter()
            .filter_map(|q| q.before.as_ref())
            .map(|m| m.execution_ms)
            .sum();
        let after: f64 = v
            .queries
            .iter()
            .filter_map(|q| q.after.as_ref())
            .map(|m| m.execution_ms)
            .sum();
        println!(
            "  verified on a {} copy (made in {} ms): migration {} ms, {measured} statements measured, execution {before:.1} ms before, {after:.1} ms after",
            v.copy.method,
            v.copy.millis,
            v.run.as_ref().map_or(0, |r| r.millis)
        );
    }
    Ok(())
}
