//! Benchmark (issue #3): introspection and diff of 1,000 tables (10 columns, 3 indexes, 1 foreign
//! key and 1 check each) in under one second, with a fixed number of catalog queries.
//!
//! ```text
//! cargo run --release -p schema-migrate --example bench_inspect [-- --tables 1000 --runs 5]
//! ```
//!
//! It creates the tables on a throwaway database of `DATABASE_URL` (default: the local server),
//! reads them back `--runs` times after one warm-up, and prints min/median/max of each figure.
//!
//! Catalog queries are counted twice: by the inspector itself (`Inspection::queries`), and on the
//! wire, by a relay between a connection and the server that counts the statements the client
//! sends (extended-protocol Execute and simple Query messages). The wire count is taken on the
//! empty schema and on the full one: it must be the same, and equal to [`QUERY_COUNT`].

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use schema_core::Renames;
use schema_core::model::{Column, ColumnType, Schema, Table};
use schema_migrate::diff::diff;
use schema_migrate::inspect::{InspectOptions, QUERY_COUNT, inspect};
use schema_migrate::plan::{PlanOptions, plan};
use schema_migrate::scratch::ScratchDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

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
    let options = InspectOptions::default();

    let empty_wire = count_on_the_wire(db.url()).await?;

    let started = Instant::now();
    bench_common::create_tables(&client, args.tables, false).await?;
    let build = started.elapsed();
    let rss_before = peak_rss_kib();

    let full_wire = count_on_the_wire(db.url()).await?;

    // One warm-up run, then the measured ones.
    let mut samples = Samples::default();
    let mut reported = 0;
    let mut change_count = 0;
    let mut step_count = 0;
    for run in 0..=args.runs {
        let started = Instant::now();
        let inspection = inspect(&client, &options).await?;
        let inspect_time = started.elapsed();
        let schema = inspection.schema;
        check_shape(&schema, args.tables)?;
        if !inspection.unsupported.is_empty() {
            return Err(format!("unsupported objects: {:?}", inspection.unsupported).into());
        }
        reported = inspection.queries;

        let started = Instant::now();
        let none = diff(&schema, &schema, &Renames::default());
        let diff_self = started.elapsed();
        if !none.is_empty() {
            return Err(format!("a schema differs from itself: {none:#?}").into());
        }

        let changed = changed_copy(&schema)?;
        let started = Instant::now();
        let changes = diff(&schema, &changed, &Renames::default());
        let diff_changed = started.elapsed();
        change_count = changes.len();

        let started = Instant::now();
        let plan_options = PlanOptions {
            allow_destructive: true,
            ..PlanOptions::default()
        };
        let planned = plan(&schema, &changed, &Renames::default(), &plan_options)?;
        let plan_time = started.elapsed();
        step_count = planned.steps.len();

        if run > 0 {
            samples.inspect.push(inspect_time);
            samples.diff_changed.push(diff_changed);
            samples.diff_self.push(diff_self);
            samples.plan.push(plan_time);
            samples.inspect_and_diff.push(inspect_time + diff_changed);
        }
    }
    // A changed check is dropped and added again: two typed changes.
    if change_count != CHANGES + CHANGES / 10 {
        return Err(format!(
            "expected {} typed changes against the changed copy, got {change_count}",
            CHANGES + CHANGES / 10
        )
        .into());
    }

    let wire = |count: Option<usize>| count.map_or("n/a (not a TCP server)".to_owned(), |n| n.to_string());
    println!(
        "bench_inspect: {} tables (10 columns, 3 indexes, 1 foreign key, 1 check each), PostgreSQL {}",
        args.tables,
        server_version(&client).await?
    );
    println!("schema built in {:.1} s", build.as_secs_f64());
    println!(
        "runs: {} measured after 1 warm-up; changed copy: {CHANGES} changes ({change_count} typed changes), {step_count} plan steps",
        args.runs
    );
    println!();
    println!("{:<34} {:>9} {:>9} {:>9}", "figure", "min", "median", "max");
    for (name, values) in [
        ("inspect (ms)", &samples.inspect),
        ("diff against a changed copy (ms)", &samples.diff_changed),
        ("diff against itself (ms)", &samples.diff_self),
        ("plan of the changed copy (ms)", &samples.plan),
        ("inspect + diff (ms)", &samples.inspect_and_diff),
    ] {
        let (min, median, max) = bench_common::min_median_max(values);
        println!("{name:<34} {min:>9.1} {median:>9.1} {max:>9.1}");
    }
    println!();
    println!("catalog queries per inspection:");
    println!("  QUERY_COUNT constant               {QUERY_COUNT}");
    println!("  reported by the inspector          {reported}");
    println!("  on the wire, empty schema          {}", wire(empty_wire));
    println!(
        "  on the wire, {:>5} tables          {}",
        args.tables,
        wire(full_wire)
    );
    println!(
        "peak RSS (VmHWM): {} MiB after building the schema, {} MiB at the end",
        rss_before / 1024,
        peak_rss_kib() / 1024
    );
    let same = |count: Option<usize>| count.is_none_or(|n| n == QUERY_COUNT);
    if reported != QUERY_COUNT || !same(empty_wire) || !same(full_wire) {
        return Err("the number of catalog queries is not fixed".into());
    }
    Ok(())
}

/// The inspected schema has what was created, and nothing lost on the way.
fn check_shape(schema: &Schema, tables: usize) -> Result<(), Box<dyn Error>> {
    let count = |f: fn(&Table) -> usize| schema.tables.iter().map(f).sum::<usize>();
    let shape = (
        schema.tables.len(),
        count(|t| t.columns.len()),
        count(|t| t.indexes.len()),
        count(|t| t.foreign_keys.len()),
        count(|t| t.checks.len()),
    );
    let expected = (tables, tables * 10, tables * 3, tables, tables);
    if shape != expected {
        return Err(format!(
            "inspected (tables, columns, indexes, foreign keys, checks) = {shape:?}, expected {expected:?}"
        )
        .into());
    }
    Ok(())
}

/// How many changes [`changed_copy`] makes: five of each of ten kinds.
const CHANGES: usize = 50;

/// The schema with 50 changes spread over 50 tables: columns added, dropped, retyped, made
/// nullable or given a new default; indexes dropped or added; checks changed; foreign keys
/// dropped; comments added.
fn changed_copy(schema: &Schema) -> Result<Schema, Box<dyn Error>> {
    let mut changed = schema.clone();
    let count = changed.tables.len();
    if count < CHANGES {
        return Err(format!("the changed copy needs at least {CHANGES} tables").into());
    }
    fn column<'t>(table: &'t mut Table, column: &str) -> Result<&'t mut Column, String> {
        let name = table.name.clone();
        table
            .column_mut(column)
            .ok_or(format!("no column {name}.{column}"))
    }
    for i in 0..CHANGES {
        let name = bench_common::table_name(i * count / CHANGES);
        let table = changed.table_mut(&name).ok_or(format!("no table {name}"))?;
        match i % 10 {
            0 => table
                .columns
                .push(Column::new("note", ColumnType::Text).nullable()),
            1 => table.columns.retain(|c| c.name != "data"),
            2 => column(table, "code")?.ty = ColumnType::Varchar(Some(64)),
            3 => column(table, "name")?.nullable = true,
            4 => column(table, "seq")?.default = Some("1".to_owned()),
            5 => {
                table.indexes.pop().ok_or("a table without an index")?;
            }
            6 => {
                let mut index = table.indexes.first().cloned().ok_or("a table without an index")?;
                index.name = format!("{name}_code_copy_idx");
                index.unique = false;
                table.indexes.push(index);
            }
            7 => {
                table
                    .checks
                    .first_mut()
                    .ok_or("a table without a check")?
                    .expression = "(amount > (0)::numeric)".to_owned();
            }
            8 => table.foreign_keys.clear(),
            _ => table.comment = Some(format!("table {i}")),
        }
    }
    Ok(changed)
}

#[derive(Default)]
struct Samples {
    inspect: Vec<Duration>,
    diff_changed: Vec<Duration>,
    diff_self: Vec<Duration>,
    plan: Vec<Duration>,
    inspect_and_diff: Vec<Duration>,
}

/// The process' peak resident set size, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

async fn server_version(client: &Client) -> Result<String, Box<dyn Error>> {
    Ok(client.query_one("SHOW server_version", &[]).await?.get(0))
}

/// The statements one inspection sends, counted on the wire by a relay between a new connection
/// and the server. `None` when the server is not reached over TCP.
async fn count_on_the_wire(url: &str) -> Result<Option<usize>, Box<dyn Error>> {
    let config: Config = url.parse()?;
    let Some(Host::Tcp(host)) = config.get_hosts().first() else {
        return Ok(None);
    };
    let upstream = (host.clone(), config.get_ports().first().copied().unwrap_or(5432));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut relayed = Config::new();
    relayed
        .host("127.0.0.1")
        .port(listener.local_addr()?.port())
        .dbname(config.get_dbname().unwrap_or("postgres"));
    if let Some(user) = config.get_user() {
        relayed.user(user);
    }
    if let Some(password) = config.get_password() {
        relayed.password(password);
    }
    let statements = Arc::new(AtomicUsize::new(0));
    let relay = tokio::spawn(relay(listener, upstream, Arc::clone(&statements)));

    let (client, connection) = relayed.connect(NoTls).await?;
    let connection = tokio::spawn(connection);
    let before = statements.load(Ordering::SeqCst);
    inspect(&client, &InspectOptions::default()).await?;
    let sent = statements.load(Ordering::SeqCst) - before;
    drop(client);
    let _ = connection.await;
    relay.abort();
    Ok(Some(sent))
}

/// Relay one connection to `upstream`, counting the statements the client sends: Execute ('E')
/// messages of the extended protocol and simple Query ('Q') messages.
async fn relay(
    listener: TcpListener,
    upstream: (String, u16),
    statements: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    const SSL_REQUEST: u32 = 80877103;
    const GSSENC_REQUEST: u32 = 80877104;
    let (client, _) = listener.accept().await?;
    let server = TcpStream::connect(upstream).await?;
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    tokio::spawn(async move { tokio::io::copy(&mut from_server, &mut to_client).await });

    // The startup packet (and an SSL or GSS request before it) has no type byte.
    let mut typed = false;
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let mut kind = 0u8;
        if typed {
            kind = from_client.read_u8().await?;
            buffer.push(kind);
        }
        let length = from_client.read_u32().await?;
        buffer.extend_from_slice(&length.to_be_bytes());
        let start = buffer.len();
        buffer.resize(start + length.saturating_sub(4) as usize, 0);
        from_client.read_exact(&mut buffer[start..]).await?;
        // Counted before it is sent, so the count is complete when the answer arrives.
        if typed {
            if matches!(kind, b'E' | b'Q') {
                statements.fetch_add(1, Ordering::SeqCst);
            }
        } else {
            let code = buffer
                .get(start..start + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            typed = !matches!(code, Some(SSL_REQUEST | GSSENC_REQUEST));
        }
        to_server.write_all(&buffer).await?;
    }
}
