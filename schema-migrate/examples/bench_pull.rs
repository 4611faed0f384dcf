//! Benchmark (issue #18): `pull` of 1,000 tables (10 columns, 3 indexes, 1 foreign key and 1
//! check each) in under two seconds, with a fixed number of catalog queries.
//!
//! ```text
//! cargo run --release -p schema-migrate --example bench_pull [-- --tables 1000 --runs 5 --build]
//! ```
//!
//! It creates the tables of `bench_common` on a throwaway database of `DATABASE_URL` (default:
//! the local server), pulls them `--runs` times after one warm-up (inspection, the hash sample,
//! the declarations, the Rust source and the report: everything but writing the file), and
//! prints min/median/max, the catalog queries issued and the size of the source.
//!
//! With `--build`, the pulled source is also built as a crate of its own (`cargo build`, a path
//! dependency on this workspace's schema-core, offline with its lock file), its binary prints
//! the declared schema, and the drift `check --database` would report is counted: the claim
//! that the output builds on the first try and agrees with its database, at 1,000 tables.

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
    /// Build the pulled crate and compare its declared schema with the database.
    #[arg(long)]
    build: bool,
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
    if args.build {
        build(db, &warm).await?;
    }
    Ok(())
}

/// Build `code` as a crate, run it for its declared schema, and count the drift against `db`.
async fn build(db: &ScratchDb, pulled: &schema_migrate::pull::Pulled) -> Result<(), Box<dyn Error>> {
    let code = &pulled.code;
    use std::path::Path;
    use std::process::Command;

    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace")?
        .to_path_buf();
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    std::fs::create_dir(root.join("src"))?;
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"pulled-bench\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nschema-core = {{ path = {:?} }}\nserde_json = \"1\"\n\n[workspace]\n",
            workspace.join("schema-core").display().to_string()
        ),
    )?;
    std::fs::copy(workspace.join("Cargo.lock"), root.join("Cargo.lock"))?;
    std::fs::write(root.join("src/lib.rs"), code)?;
    std::fs::write(
        root.join("src/main.rs"),
        "fn main() {\n    match pulled_bench::schema() {\n        Ok(declared) => println!(\"{}\", serde_json::to_string(&declared.schema).unwrap()),\n        Err(errors) => { eprintln!(\"{errors}\"); std::process::exit(1) }\n    }\n}\n",
    )?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target = workspace.join("target").join("bench-pull");
    // The dependencies first, so the figure is the pulled crate's own build.
    let deps = Command::new(&cargo)
        .args(["build", "--quiet", "--offline", "-p", "schema-core"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .status()?;
    if !deps.success() {
        return Err("schema-core does not build".into());
    }
    let start = Instant::now();
    let output = Command::new(&cargo)
        .args(["build", "--quiet", "--offline"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .output()?;
    let built = start.elapsed();
    if !output.status.success() {
        return Err(format!(
            "the pulled crate does not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let run = Command::new(target.join("debug").join("pulled-bench")).output()?;
    if !run.status.success() {
        return Err(format!(
            "the pulled schema does not assemble: {}",
            String::from_utf8_lossy(&run.stderr)
        )
        .into());
    }
    let declared = schema_core::model::Schema::from_json(String::from_utf8(run.stdout)?.trim())?;
    let client = db.connect().await?;
    let live = inspect(&client, &InspectOptions::declared([&declared])).await?;
    let expected = schema_migrate::normalize::normalize(&testkit::server_url(), &declared).await?;
    let drift = schema_migrate::diff::diff(&live.schema, &expected, &schema_core::Renames::default());
    // A change is explained when a finding says the code declares the standard on its table
    // (a missing `updated_at`, a foreign key's index, the `set_updated_at` trigger).
    let fixed: std::collections::BTreeSet<&str> = pulled
        .report
        .findings
        .iter()
        .filter(|f| f.declared_fixed)
        .map(|f| f.object.split(['.', ':']).next().unwrap_or_default())
        .collect();
    let described: Vec<String> = drift.iter().map(schema_migrate::plan::describe_change).collect();
    let unexplained: Vec<&String> = described
        .iter()
        .filter(|change| {
            change.as_str() != "create function set_updated_at()"
                && !change.split([' ', '.', ':']).any(|word| fixed.contains(word))
        })
        .collect();
    println!(
        "the pulled crate ({} tables, {} lines) built in {:.1} s (debug, dependencies built before); check --database: {} change(s), {} not explained by a finding",
        declared.tables.len(),
        code.lines().count(),
        built.as_secs_f64(),
        drift.len(),
        unexplained.len()
    );
    for change in unexplained.iter().take(10) {
        println!("  unexplained: {change}");
    }
    Ok(())
}
