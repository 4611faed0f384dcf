//! Benchmark (issue #5): the longest write stall a migration causes on a busy table.
//!
//! ```text
//! cargo run --release -p schema-migrate --example write_stall [-- --rows 2000000 --writers 4]
//! ```
//!
//! A table of `--rows` invoices takes single-row INSERTs and UPDATEs from `--writers` connections
//! while a migration adds an index, a foreign key, a CHECK constraint and a NOT NULL column with a
//! constant default. Every write's latency is recorded. The migration runs twice, each time on a
//! fresh copy of the same data (`CREATE DATABASE ... TEMPLATE`):
//!
//! - the tool's plan: the database is inspected, the target is the inspected schema with the four
//!   changes, and the online plan (`PlanOptions::default()`) is applied group by group, exactly as
//!   `apply` runs it (`apply::groups` + `apply::run_group`), to time each group;
//! - the naive plan: the same changes as plain DDL in one transaction (the plain plan,
//!   `PlanOptions { fast: true, .. }`, whose statements are all transactional: one group).
//!
//! Writes are split into those that overlap the migration and the quiet ones before and after it.
//! Target: the longest write under 100 ms with the tool's plan.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use schema_core::Renames;
use schema_core::model::{
    CheckConstraint, Column, ColumnType, Deferrable, ForeignKey, Index, ReferentialAction, Schema,
};
use schema_migrate::apply::{ApplyOptions, groups, run_group};
use schema_migrate::db;
use schema_migrate::diff::diff;
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::plan::{PlanOptions, plan};
use schema_migrate::scratch::ScratchDb;
use tokio_postgres::Client;

#[derive(Parser)]
struct Args {
    /// Rows in the invoices table.
    #[arg(long, default_value_t = 2_000_000)]
    rows: i64,
    /// Rows in the customers table (the foreign key's target).
    #[arg(long, default_value_t = 5_000)]
    customers: i64,
    /// Writer connections.
    #[arg(long, default_value_t = 4)]
    writers: usize,
    /// Seconds of load before the migration starts.
    #[arg(long, default_value_t = 2.0)]
    before: f64,
    /// Seconds of load after the migration ends.
    #[arg(long, default_value_t = 1.0)]
    after: f64,
}

/// A write that took longer than this is a stall (the issue's target).
const STALL: Duration = Duration::from_millis(100);

const STATUSES: [&str; 4] = ["draft", "open", "paid", "void"];

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let server = testkit::server_url();
    let template = ScratchDb::create(&server).await?;
    let result = run(&server, &template, &args).await;
    template.drop_now().await?;
    result
}

async fn run(server: &str, template: &ScratchDb, args: &Args) -> Result<(), Box<dyn Error>> {
    let started = Instant::now();
    load(template, args).await?;
    println!(
        "write_stall: invoices of {} rows ({} customers), {} writer connections, load {:.1} s before and {:.1} s after the migration",
        args.rows, args.customers, args.writers, args.before, args.after
    );
    println!("data loaded in {:.1} s", started.elapsed().as_secs_f64());

    let mut results = Vec::new();
    for variant in [Variant::Tool, Variant::Naive] {
        let copy = copy_of(server, template).await?;
        let trial = trial(&copy, variant, args).await;
        copy.drop_now().await?;
        results.push((variant, trial?));
    }

    println!("\n== Summary (latencies of single-row writes, ms)\n");
    print!("{:<28}", "");
    for (variant, _) in &results {
        print!(
            " {:>14} {:>14}",
            format!("{}: quiet", variant.name()),
            format!("{}: migr.", variant.name())
        );
    }
    println!();
    type Figure = fn(&Stats) -> String;
    let rows: [(&str, Figure); 7] = [
        ("writes", |s| s.count.to_string()),
        ("writes/s", |s| format!("{:.0}", s.rate)),
        ("max", |s| ms(s.max)),
        ("p99", |s| ms(s.p99)),
        ("p99.9", |s| ms(s.p999)),
        ("writes over 100 ms", |s| s.stalls.to_string()),
        ("failed writes", |s| s.failed.to_string()),
    ];
    for (name, figure) in rows {
        print!("{name:<28}");
        for (_, result) in &results {
            print!(" {:>14} {:>14}", figure(&result.quiet), figure(&result.during));
        }
        println!();
    }
    print!("{:<28}", "migration total (s)");
    for (_, result) in &results {
        print!(" {:>14} {:>14.2}", "", result.migration.as_secs_f64());
    }
    println!();
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Tool,
    Naive,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Tool => "tool",
            Variant::Naive => "naive",
        }
    }
}

/// The starting data, on the template database.
async fn load(template: &ScratchDb, args: &Args) -> Result<(), Box<dyn Error>> {
    let client = template.connect().await?;
    client
        .batch_execute(
            "CREATE TABLE customers (
                 id bigint PRIMARY KEY,
                 name text NOT NULL
             );
             CREATE TABLE invoices (
                 id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                 customer_id bigint NOT NULL,
                 amount_cents bigint NOT NULL,
                 status text NOT NULL,
                 note text,
                 created_at timestamptz NOT NULL DEFAULT now()
             );",
        )
        .await?;
    client
        .execute(
            "INSERT INTO customers (id, name) SELECT g, 'customer ' || g FROM generate_series(1, $1::bigint) g",
            &[&args.customers],
        )
        .await?;
    client
        .execute(
            "INSERT INTO invoices (customer_id, amount_cents, status, note, created_at)
             SELECT 1 + g % $2::bigint,
                    (g * 7919) % 100000,
                    (ARRAY['draft', 'open', 'paid', 'void'])[1 + g % 4],
                    CASE WHEN g % 10 = 0 THEN 'note ' || g END,
                    now() - make_interval(secs => g)
               FROM generate_series(1, $1::bigint) g",
            &[&args.rows, &args.customers],
        )
        .await?;
    // Hint bits and the visibility map set now, not by the first scan of the migration.
    client.batch_execute("VACUUM ANALYZE").await?;
    Ok(())
}

/// A fresh copy of the template. The copy takes over the name of a new throwaway database, so
/// it is dropped as one, also on an error path.
async fn copy_of(server: &str, template: &ScratchDb) -> Result<ScratchDb, Box<dyn Error>> {
    let copy = ScratchDb::create(server).await?;
    let admin = db::connect(server).await?;
    // A template must have no other session; the loading one may still be closing.
    for _ in 0..100 {
        let sessions: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                &[&template.name()],
            )
            .await?
            .get(0);
        if sessions == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    admin
        .batch_execute(&format!("DROP DATABASE \"{}\"", copy.name()))
        .await?;
    admin
        .batch_execute(&format!(
            "CREATE DATABASE \"{}\" TEMPLATE \"{}\"",
            copy.name(),
            template.name()
        ))
        .await?;
    // Write the copy's pages out now, not in a checkpoint during the measurement.
    admin.batch_execute("CHECKPOINT").await?;
    Ok(copy)
}

/// The target: the inspected schema with an index, a foreign key, a CHECK constraint and a NOT
/// NULL column with a constant default added to invoices.
fn target(from: &Schema) -> Result<Schema, Box<dyn Error>> {
    let mut to = from.clone();
    let invoices = to.table_mut("invoices").ok_or("no table invoices")?;
    invoices
        .columns
        .push(Column::new("currency", ColumnType::Text).default_sql("'EUR'::text"));
    invoices
        .indexes
        .push(Index::on_columns("invoices_customer_id_idx", &["customer_id"]));
    invoices.checks.push(CheckConstraint {
        name: "invoices_amount_cents_check".to_owned(),
        expression: "(amount_cents >= 0)".to_owned(),
        not_valid: false,
        no_inherit: false,
    });
    invoices.foreign_keys.push(ForeignKey {
        name: "invoices_customer_id_fkey".to_owned(),
        columns: vec!["customer_id".to_owned()],
        referenced_table: "customers".to_owned(),
        referenced_columns: vec!["id".to_owned()],
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
        deferrable: Deferrable::NotDeferrable,
        match_full: false,
        on_delete_set_columns: Vec::new(),
        not_valid: false,
    });
    to.canonicalize();
    Ok(to)
}

/// One write: when it started (from the start of the trial) and how long it took.
#[derive(Clone, Copy)]
struct Write {
    start: Duration,
    latency: Duration,
    failed: bool,
}

impl Write {
    fn end(&self) -> Duration {
        self.start + self.latency
    }
}

/// One group of the plan, as it ran.
struct GroupRun {
    sql: Vec<String>,
    start: Duration,
    end: Duration,
}

struct TrialResult {
    migration: Duration,
    quiet: Stats,
    during: Stats,
}

async fn trial(copy: &ScratchDb, variant: Variant, args: &Args) -> Result<TrialResult, Box<dyn Error>> {
    let client = copy.connect().await?;
    let from = inspect(&client, &InspectOptions::default()).await?.schema;
    let to = target(&from)?;
    let options = PlanOptions {
        fast: variant == Variant::Naive,
        ..PlanOptions::default()
    };
    let planned = plan(&from, &to, &Renames::default(), &options)?;
    let statements = planned.up();
    let groups = groups(&statements);
    if variant == Variant::Naive && groups.len() != 1 {
        return Err("the plain plan is not one transaction".into());
    }
    println!(
        "\n== {} plan ({} statements in {} groups)\n\n{}\n",
        variant.name(),
        statements.len(),
        groups.len(),
        planned.up_script()
    );

    let base = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for seed in 0..args.writers {
        let client = copy.connect().await?;
        let stop = Arc::clone(&stop);
        let (rows, customers) = (args.rows, args.customers);
        writers.push(tokio::spawn(async move {
            write_loop(client, seed as u64 + 1, rows, customers, base, stop).await
        }));
    }

    tokio::time::sleep(Duration::from_secs_f64(args.before)).await;
    let migration_start = base.elapsed();
    let mut runs = Vec::new();
    let mut outcome = Ok(());
    for group in &groups {
        let start = base.elapsed();
        let result = run_group(&client, group, &ApplyOptions::default()).await;
        runs.push(GroupRun {
            sql: group.statements.iter().map(|s| s.sql.clone()).collect(),
            start,
            end: base.elapsed(),
        });
        if let Err(error) = result {
            outcome = Err(error);
            break;
        }
    }
    let migration_end = base.elapsed();
    tokio::time::sleep(Duration::from_secs_f64(args.after)).await;
    stop.store(true, Ordering::SeqCst);
    let load_end = base.elapsed();
    let mut writes = Vec::new();
    for writer in writers {
        let (written, error) = writer.await??;
        writes.extend(written);
        if let Some(error) = error {
            println!("a write failed: {error}");
        }
    }
    outcome?;

    let after = inspect(&client, &InspectOptions::default()).await?.schema;
    let left = diff(&after, &to, &Renames::default());
    if !left.is_empty() {
        return Err(format!("the migration did not reach the target: {left:#?}").into());
    }

    let (during, quiet): (Vec<Write>, Vec<Write>) = writes
        .iter()
        .partition(|w| w.end() > migration_start && w.start < migration_end);
    let migration = migration_end - migration_start;
    let quiet_time = migration_start + (load_end - migration_end);
    let result = TrialResult {
        migration,
        quiet: Stats::of(&quiet, quiet_time),
        during: Stats::of(&during, migration),
    };

    println!("per group: duration and the longest write overlapping it (ms), then its statements");
    for run in &runs {
        let longest = during
            .iter()
            .filter(|w| w.end() > run.start && w.start < run.end)
            .map(|w| w.latency)
            .max()
            .unwrap_or_default();
        println!("  {:>9} {:>9}", ms(run.end - run.start), ms(longest));
        for sql in &run.sql {
            println!("      {}", first_line(sql));
        }
    }
    // Start times relative to the start of the migration: negative before it.
    let at = |write: &Write| write.start.as_secs_f64() * 1000.0 - migration_start.as_secs_f64() * 1000.0;
    for (name, writes) in [("during", &during), ("outside", &quiet)] {
        let mut slowest = writes.clone();
        slowest.sort_by_key(|w| std::cmp::Reverse(w.latency));
        let listed: Vec<String> = slowest
            .iter()
            .take(3)
            .map(|w| format!("{} ms at {:+.0} ms", ms(w.latency), at(w)))
            .collect();
        println!(
            "slowest writes {name} the migration (start from migration start): {}",
            listed.join(", ")
        );
    }
    Ok(result)
}

/// Alternate single-row INSERTs and UPDATEs of a random existing row until `stop`. Every value
/// satisfies the constraints the migration adds (existing customers, amounts not negative). A
/// failed write is recorded, not fatal; the first error is returned with the writes.
async fn write_loop(
    client: Client,
    seed: u64,
    rows: i64,
    customers: i64,
    base: Instant,
    stop: Arc<AtomicBool>,
) -> Result<(Vec<Write>, Option<String>), tokio_postgres::Error> {
    let insert = client
        .prepare("INSERT INTO invoices (customer_id, amount_cents, status, note) VALUES ($1, $2, $3, $4)")
        .await?;
    let update = client
        .prepare("UPDATE invoices SET amount_cents = $2, status = $3 WHERE id = $1")
        .await?;
    let mut random = Random(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut writes = Vec::new();
    let mut first_error = None;
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let amount = random.below(100_000);
        let status = STATUSES[random.below(STATUSES.len() as i64) as usize];
        let start = Instant::now();
        let result = if n.is_multiple_of(2) {
            let customer = 1 + random.below(customers);
            client
                .execute(&insert, &[&customer, &amount, &status, &None::<String>])
                .await
        } else {
            let id = 1 + random.below(rows);
            client.execute(&update, &[&id, &amount, &status]).await
        };
        writes.push(Write {
            start: start - base,
            latency: start.elapsed(),
            failed: result.is_err(),
        });
        if let Err(error) = result {
            first_error.get_or_insert_with(|| db::describe(&error));
        }
        n += 1;
    }
    Ok((writes, first_error))
}

/// xorshift64: enough randomness to spread writes over the table.
struct Random(u64);

impl Random {
    fn below(&mut self, n: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as i64
    }
}

#[derive(Default)]
struct Stats {
    count: usize,
    rate: f64,
    max: Duration,
    p99: Duration,
    p999: Duration,
    stalls: usize,
    failed: usize,
}

impl Stats {
    fn of(writes: &[Write], over: Duration) -> Stats {
        if writes.is_empty() {
            return Stats::default();
        }
        let mut latencies: Vec<Duration> = writes.iter().map(|w| w.latency).collect();
        latencies.sort();
        let quantile =
            |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1];
        Stats {
            count: writes.len(),
            rate: writes.len() as f64 / over.as_secs_f64(),
            max: latencies[latencies.len() - 1],
            p99: quantile(0.99),
            p999: quantile(0.999),
            stalls: latencies.iter().filter(|l| **l > STALL).count(),
            failed: writes.iter().filter(|w| w.failed).count(),
        }
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or("");
    match line.char_indices().nth(90) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_owned(),
    }
}
