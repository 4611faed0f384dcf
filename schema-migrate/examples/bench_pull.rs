//! Benchmark (issue #18): `pull` of 1,000 tables (10 columns, 3 indexes, 1 foreign key and 1
//! check each) in under two seconds, with a fixed number of catalog queries.
//!
//! ```text
//! cargo run --release -p schema-migrate --example bench_pull [-- --tables 1000 --runs 5]
//! ```
//!
//! It creates the tables of `bench_common` on a throwaway database of `DATABASE_URL` (default:
//! the local server), pulls them `--runs` times after one warm-up (inspection, the hash sample,
//! the declarations, the Rust source and the report: everything but writing the file), and
//! prints min/median/max, the catalog queries issued and the size of the source.

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::error::Error;
use std::time::{Duration, Instant};

use clap::Parser;
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::pull::{PullOptions, pull};
use schema_migrate::scratch::ScratchDb;

#[derive(Parser)]
struct Args {
    /// Tables to create.
    #[arg(long, default_value_t = 1000)]
    tables: usize,
    /// Measured runs, after one warm-up.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let server = testkit::server_url();
    let db = ScratchDb::create(&server).await?;
    let result = run(&db, &args).await;
    db.drop_now().await?;
    result
}

async fn run(db: &ScratchDb, args: &Args) -> Result<(), Box<dyn Error>> {
    let client = db.connect().await?;
    bench_common::create_tables(&client, args.tables, false).await?;
    let options = PullOptions::default();
    let warm = pull(&client, &options).await?;
    assert_eq!(warm.report.tables, args.tables, "every table is pulled");
    // The inspection alone, for comparison: what the rest of the pull costs on top of it.
    let mut inspect_times: Vec<Duration> = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let start = Instant::now();
        inspect(&client, &InspectOptions::default()).await?;
        inspect_times.push(start.elapsed());
    }
    let mut times: Vec<Duration> = Vec::with_capacity(args.runs);
    let mut queries = 0;
    let mut bytes = 0;
    for _ in 0..args.runs {
        let start = Instant::now();
        let pulled = pull(&client, &options).await?;
        times.push(start.elapsed());
        queries = pulled.report.catalog_queries;
        bytes = pulled.code.len();
    }
    let (min, median, max) = bench_common::min_median_max(&times);
    let (_, inspect_median, _) = bench_common::min_median_max(&inspect_times);
    println!(
        "pull of {} tables: min {min:.0} ms, median {median:.0} ms, max {max:.0} ms ({} runs); {queries} catalog queries; {} findings; {bytes} bytes of Rust; the inspection alone: median {inspect_median:.0} ms",
        args.tables,
        args.runs,
        warm.report.findings.len()
    );
    Ok(())
}
