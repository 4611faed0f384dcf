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
//! --from A --to B` does before it prints (both sides connected and inspected at once, then diff
//! and plan); and the same with the sides read one after the other, for comparison.

use std::error::Error;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use schema_core::Renames;
use schema_migrate::db;
use schema_migrate::diff::diff;
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

/// Tables created per `batch_execute` (one implicit transaction each, within the default lock
/// slots).
const TABLES_PER_BATCH: usize = 100;

#[tokio::main]
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
        client
            .batch_execute("CREATE TYPE status AS ENUM ('draft', 'open', 'paid', 'void')")
            .await?;
        for start in (0..args.tables).step_by(TABLES_PER_BATCH) {
            let end = (start + TABLES_PER_BATCH).min(args.tables);
            let ddl: String = (start..end).map(|i| table_ddl(i, changed)).collect();
            client.batch_execute(&ddl).await?;
        }
        client.batch_execute("ANALYZE").await?;
    }

    let mut dumps = Vec::new();
    let mut together = Vec::new();
    let mut one_after_the_other = Vec::new();
    let mut changes = 0;
    for run in 0..=args.runs {
        let dump = pg_dump(from.url())?;
        let start = Instant::now();
        let (a, b) = tokio::try_join!(read(from.url()), read(to.url()))?;
        changes = diff_and_plan(&a, &b)?;
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
        }
    }
    let (dump_min, dump_median, dump_max) = min_median_max(&dumps);
    let (both_min, both_median, both_max) = min_median_max(&together);
    let (seq_min, seq_median, seq_max) = min_median_max(&one_after_the_other);
    println!(
        "{} tables per database, {changes} change(s) between them, {} runs after a warm-up (min / median / max)",
        args.tables, args.runs
    );
    println!("pg_dump -s of one database:        {dump_min:7.0} / {dump_median:7.0} / {dump_max:7.0} ms");
    println!("diff, both sides read at once:     {both_min:7.0} / {both_median:7.0} / {both_max:7.0} ms");
    println!("diff, sides read one after other:  {seq_min:7.0} / {seq_median:7.0} / {seq_max:7.0} ms");
    println!(
        "diff at once / pg_dump -s (median): {:.2} (target: at most 0.50)",
        both_median / dump_median
    );
    Ok(())
}

/// What `migrate diff` does for a database side: connect and inspect.
async fn read(url: &str) -> Result<schema_core::model::Schema, Box<dyn Error>> {
    let client = db::connect(url).await?;
    Ok(inspect(&client, &InspectOptions::default()).await?.schema)
}

fn diff_and_plan(
    from: &schema_core::model::Schema,
    to: &schema_core::model::Schema,
) -> Result<usize, Box<dyn Error>> {
    let changes = diff(from, to, &Renames::default()).len();
    plan(from, to, &Renames::default(), &PlanOptions::default())?;
    Ok(changes)
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

fn table_name(i: usize) -> String {
    format!("t{i:04}")
}

/// Table `i`: ten columns of varied types (an eleventh on every tenth table when `changed`), a
/// primary key, a check, a foreign key to the table before it, and three indexes (one partial).
fn table_ddl(i: usize, changed: bool) -> String {
    let name = table_name(i);
    let parent = table_name(i.saturating_sub(1));
    let extra = if changed && i.is_multiple_of(10) {
        "note text,"
    } else {
        ""
    };
    format!(
        "CREATE TABLE {name} (
             id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
             parent_id uuid,
             name text NOT NULL,
             code varchar(32) NOT NULL,
             seq bigint NOT NULL DEFAULT 0,
             amount numeric(12, 2) NOT NULL DEFAULT 0,
             active boolean NOT NULL DEFAULT true,
             status status NOT NULL DEFAULT 'draft',
             data jsonb,
             {extra}
             created_at timestamptz NOT NULL DEFAULT now(),
             CONSTRAINT {name}_parent_fkey FOREIGN KEY (parent_id) REFERENCES {parent} (id) ON DELETE CASCADE,
             CONSTRAINT {name}_amount_check CHECK (amount >= 0)
         );
         CREATE UNIQUE INDEX {name}_code_key ON {name} (code);
         CREATE INDEX {name}_active_idx ON {name} (created_at) WHERE active;
         CREATE INDEX {name}_status_created_idx ON {name} (status, created_at DESC);\n"
    )
}

fn min_median_max(values: &[Duration]) -> (f64, f64, f64) {
    let mut ms: Vec<f64> = values.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let median = if ms.len() % 2 == 1 {
        ms[ms.len() / 2]
    } else {
        (ms[ms.len() / 2 - 1] + ms[ms.len() / 2]) / 2.0
    };
    (ms[0], median, ms[ms.len() - 1])
}
