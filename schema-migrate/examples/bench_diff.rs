//! Benchmark (issue #15): `diff` between two databases of 1,000 tables reads both sides at once,
//! and must take at most half the time `pg_dump -s` takes for one of them.
//!
//! ```text
//! cargo run --release -p schema-migrate --example bench_diff [-- --tables 1000 --runs 5]
//! ```
//!
//! It creates two throwaway databases of `DATABASE_URL` (default: the local server) with the
//! same tables, the second with one more column on every tenth table, and times, after one
//! warm-up: `pg_dump --schema-only` of the first (the process, to /dev/null); what `migrate diff
//! --from A --to B` does before it prints (each side connected, inspected and decoded by a task of
//! its own on two threads, then the plan); and, for comparison, both sides read at once by one
//! task, and one after the other.

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::error::Error;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use schema_core::Renames;
use schema_migrate::db;
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::plan::{PlanOptions, plan};
use schema_migrate::scratch::ScratchDb;

#[derive(Parser)]
struct Args {
    /// Tables in each database.
    #[arg(long, default_value_t = 1000)]
    tables: usize,
    /// Measured runs, after one warm-up.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let server = testkit::server_url();
    let from = ScratchDb::create(&server).await?;
    let to = match ScratchDb::create(&server).await {
        Ok(to) => to,
        Err(error) => {
            from.drop_now().await?;
            return Err(error.into());
        }
    };
    let result = run(&from, &to, &args).await;
    let dropped = from.drop_now().await;
    to.drop_now().await?;
    dropped?;
    result
}

async fn run(from: &ScratchDb, to: &ScratchDb, args: &Args) -> Result<(), Box<dyn Error>> {
    for (db, changed) in [(from, false), (to, true)] {
        let client = db.connect().await?;
        bench_common::create_tables(&client, args.tables, changed).await?;
    }

    let mut dumps = Vec::new();
    let mut together = Vec::new();
    let mut one_after_the_other = Vec::new();
    let mut spawned = Vec::new();
    let mut changes = 0;
    for run in 0..=args.runs {
        let dump = pg_dump(from.url())?;
        // Each side a task of its own, as `migrate diff` reads two databases: on a runtime of two
        // threads (as the CLI's for this command) the two decode at once. Right after the dump,
        // so that the two are timed on the machine in the same state.
        let start = Instant::now();
        let (a, b) = (
            tokio::spawn(read_owned(from.url().to_owned())),
            tokio::spawn(read_owned(to.url().to_owned())),
        );
        let (a, b) = (a.await??, b.await??);
        changes = diff_and_plan(&a, &b)?;
        let tasks = start.elapsed();
        let start = Instant::now();
        let (a, b) = tokio::try_join!(read(from.url()), read(to.url()))?;
        diff_and_plan(&a, &b)?;
        let both = start.elapsed();
        let start = Instant::now();
        let a = read(from.url()).await?;
        let b = read(to.url()).await?;
        diff_and_plan(&a, &b)?;
        let sequential = start.elapsed();
        if run > 0 {
            dumps.push(dump);
            together.push(both);
            one_after_the_other.push(sequential);
            spawned.push(tasks);
        }
    }
    let (dump_min, dump_median, dump_max) = bench_common::min_median_max(&dumps);
    let (both_min, both_median, both_max) = bench_common::min_median_max(&together);
    let (seq_min, seq_median, seq_max) = bench_common::min_median_max(&one_after_the_other);
    let (task_min, task_median, task_max) = bench_common::min_median_max(&spawned);
    println!(
        "{} tables per database, {changes} plan step(s) between them, {} runs after a warm-up (min / median / max)",
        args.tables, args.runs
    );
    println!("pg_dump -s of one database:        {dump_min:7.0} / {dump_median:7.0} / {dump_max:7.0} ms");
    println!("migrate diff (a task per side):    {task_min:7.0} / {task_median:7.0} / {task_max:7.0} ms");
    println!("both sides at once, one task:      {both_min:7.0} / {both_median:7.0} / {both_max:7.0} ms");
    println!("sides read one after the other:    {seq_min:7.0} / {seq_median:7.0} / {seq_max:7.0} ms");
    // Each run's own ratio (its pg_dump and its diff, taken back to back), so that a machine
    // whose speed drifts between runs still compares like with like.
    let mut ratios: Vec<f64> = dumps
        .iter()
        .zip(&spawned)
        .map(|(dump, diff)| diff.as_secs_f64() / dump.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    println!(
        "migrate diff / pg_dump -s: {:.2} median of the runs' ratios ({:.2} to {:.2}); {:.2} of the medians (target: at most 0.50)",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
        task_median / dump_median
    );
    Ok(())
}

async fn read_owned(url: String) -> Result<schema_core::model::Schema, String> {
    read(&url).await.map_err(|e| e.to_string())
}

/// What `migrate diff` does for a database side: connect and inspect.
async fn read(url: &str) -> Result<schema_core::model::Schema, Box<dyn Error>> {
    let client = db::connect(url).await?;
    Ok(inspect(&client, &InspectOptions::default()).await?.schema)
}

/// What `migrate diff` does once both sides are read: plan (which diffs) and nothing more. The
/// steps are counted.
fn diff_and_plan(
    from: &schema_core::model::Schema,
    to: &schema_core::model::Schema,
) -> Result<usize, Box<dyn Error>> {
    Ok(plan(from, to, &Renames::default(), &PlanOptions::default())?
        .steps
        .len())
}

/// `pg_dump --schema-only` of `url`'s database, timed as a process.
fn pg_dump(url: &str) -> Result<Duration, Box<dyn Error>> {
    let config: tokio_postgres::Config = url.parse()?;
    let mut command = Command::new("pg_dump");
    command.arg("--schema-only").arg("--no-password");
    if let Some(tokio_postgres::config::Host::Tcp(host)) = config.get_hosts().first() {
        command.arg("--host").arg(host);
    }
    if let Some(port) = config.get_ports().first() {
        command.arg("--port").arg(port.to_string());
    }
    if let Some(user) = config.get_user() {
        command.arg("--username").arg(user);
    }
    command
        .arg(config.get_dbname().ok_or("a database name")?)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let output = command.output()?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        return Err(format!("pg_dump failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(elapsed)
}
