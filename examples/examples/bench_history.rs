//! How the everyday commands scale with the length of the history.
//!
//! `cargo run --release -p billing-example --example bench_history` writes histories of 10, 50
//! and 200 generated migrations (the billing schema, then one more tenant table per migration, so
//! each snapshot holds the whole schema as `generate` writes it), applies each to a database of its
//! own, and times the real commands on them as whole processes (median of 5 runs): `status`,
//! `check`, `up` with nothing pending, and `generate` with nothing to do; and `verify` once (every
//! size; `BENCH_HISTORY_VERIFY_MAX=50` skips it above 50). `BENCH_HISTORY_SIZES=10,50` picks the
//! history lengths. The declared schema of
//! each run is the history's latest, as in a project whose code and migrations agree.
//!
//! The same binary is the `migrate` command of those synthetic schemas: run with
//! `BENCH_HISTORY_TABLES=N`, it declares the billing schema plus N generated tables.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use schema_core::model::{Schema, Table};
use schema_core::{DeclaredSchema, Renames};
use schema_migrate::migrations::MigrationDir;
use schema_migrate::plan::{PlanOptions, plan};

const TABLES_VAR: &str = "BENCH_HISTORY_TABLES";

/// Table `i` of the synthetic schemas: the billing app's customers table under another name.
fn generated_table(template: &Table, i: usize) -> Table {
    let json = serde_json::to_string(template).expect("serialize a table");
    let renamed = json.replace("customers", &format!("bench_{i:03}"));
    serde_json::from_str(&renamed).expect("a renamed table")
}

fn schema_with(tables: usize) -> Schema {
    let mut schema = billing_example::schema().expect("the billing schema").schema;
    let template = schema
        .tables
        .iter()
        .find(|t| t.name == "customers")
        .expect("customers")
        .clone();
    for i in 0..tables {
        schema.tables.push(generated_table(&template, i));
    }
    schema.canonical()
}

fn declared(tables: usize) -> DeclaredSchema {
    let mut declared = billing_example::schema().expect("the billing schema");
    declared.schema = schema_with(tables);
    declared.renames = Renames::default();
    declared
}

/// Write a history of `n` migrations: the billing schema, then one generated table each.
fn write_history(dir: &Path, n: usize) {
    let migrations = MigrationDir::new(dir);
    let mut previous = Schema::default();
    let mut now = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    for k in 0..n {
        let next = schema_with(k);
        let description = if k == 0 {
            "initial".to_owned()
        } else {
            format!("add_bench_{:03}", k - 1)
        };
        let planned = plan(&previous, &next, &Renames::default(), &PlanOptions::default()).expect("a plan");
        let up = schema_migrate::cli::migration_sql(&description, "up", &planned.up());
        let down = schema_migrate::cli::migration_sql(&description, "down", &planned.down());
        migrations
            .write(&description, &up, &down, &next, now)
            .expect("write a migration");
        now += time::Duration::seconds(1);
        previous = next;
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time_command(exe: &Path, dir: &Path, url: &str, tables: usize, args: &[&str]) -> Duration {
    let run = || {
        let start = Instant::now();
        let out = Command::new(exe)
            .arg("--dir")
            .arg(dir)
            .args(args)
            .env("DATABASE_URL", url)
            .env(TABLES_VAR, tables.to_string())
            .output()
            .expect("run the command");
        let elapsed = start.elapsed();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        elapsed
    };
    run();
    median((0..5).map(|_| run()).collect())
}

fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let cut = base
        .rfind('/')
        .filter(|&i| i > base.find("://").map_or(0, |j| j + 2));
    let mut out = format!("{}/{database}", cut.map_or(base, |i| &base[..i]));
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

fn psql(server: &str, sql: &str) {
    let status = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", server, "-c", sql])
        .status()
        .expect("psql");
    assert!(status.success(), "psql: {sql}");
}

fn main() -> std::process::ExitCode {
    if let Ok(tables) = std::env::var(TABLES_VAR) {
        let tables: usize = tables.parse().expect("a number of tables");
        return schema_migrate::cli::run(move || Ok(declared(tables)), env!("CARGO_MANIFEST_DIR"));
    }
    let exe = std::env::current_exe().expect("this binary");
    let server = server_url();
    println!(
        "history  snapshots   status    check  up (none pending)  generate (no changes)  verify (3 rows/table)"
    );
    let sizes: Vec<usize> = std::env::var("BENCH_HISTORY_SIZES")
        .map(|v| {
            v.split(',')
                .map(|n| n.trim().parse().expect("a history length"))
                .collect()
        })
        .unwrap_or_else(|_| vec![10, 50, 200]);
    let verify_max: usize = std::env::var("BENCH_HISTORY_VERIFY_MAX")
        .map(|v| v.parse().expect("a history length"))
        .unwrap_or(usize::MAX);
    for n in sizes {
        let tmp = std::env::temp_dir().join(format!("bench-history-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let dir: PathBuf = tmp.join("migrations");
        write_history(&dir, n);
        let bytes: u64 = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| std::fs::metadata(e.path().join("schema.json")).ok())
            .map(|m| m.len())
            .sum();
        let database = format!("bench_history_{}_{n}", std::process::id());
        psql(&server, &format!("CREATE DATABASE {database}"));
        let url = with_database(&server, &database);
        let tables = n - 1;
        let apply = Instant::now();
        time_command(&exe, &dir, &url, tables, &["up"]);
        let _ = apply;
        let status = time_command(&exe, &dir, &url, tables, &["status"]);
        let check = time_command(&exe, &dir, &url, tables, &["check"]);
        let up = time_command(&exe, &dir, &url, tables, &["up"]);
        let generate = time_command(&exe, &dir, &url, tables, &["generate", "nothing"]);
        // verify is one run: it replays the whole history, and it is slower by nature.
        let verify = if n <= verify_max {
            let start = Instant::now();
            let out = Command::new(&exe)
                .arg("--dir")
                .arg(&dir)
                .arg("verify")
                .env("DATABASE_URL", &server)
                .env(TABLES_VAR, tables.to_string())
                .output()
                .expect("run verify");
            assert!(
                out.status.success(),
                "verify: {}",
                String::from_utf8_lossy(&out.stdout)
            );
            format!("{:>19.1} s", start.elapsed().as_secs_f64())
        } else {
            format!("{:>21}", "-")
        };
        println!(
            "{n:>7}  {:>6.1} MiB  {:>5.0} ms  {:>5.0} ms  {:>14.0} ms  {:>18.0} ms  {verify}",
            bytes as f64 / (1024.0 * 1024.0),
            status.as_secs_f64() * 1e3,
            check.as_secs_f64() * 1e3,
            up.as_secs_f64() * 1e3,
            generate.as_secs_f64() * 1e3,
        );
        psql(&server, &format!("DROP DATABASE {database} WITH (FORCE)"));
        if std::env::var_os("BENCH_HISTORY_KEEP").is_some() {
            println!("         kept {}", dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    std::process::ExitCode::SUCCESS
}
