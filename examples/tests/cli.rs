//! The real `migrate` binary against real Postgres: every command and the errors a user meets.

use std::path::Path;
use std::process::{Command, Output};

use testkit::TestDb;

fn migrate(dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
    command
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("run migrate")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_code(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", text(output));
}

fn migration_dirs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn generate_then_no_changes_then_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    let out = migrate(&dir, None, &["generate", "initial"]);
    assert_code(&out, 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("create table invoices"),
        "{}",
        text(&out)
    );
    let created = migration_dirs(&dir);
    assert_eq!(created.len(), 1);
    for file in ["up.sql", "down.sql", "schema.json"] {
        assert!(created[0].join(file).is_file(), "{file}");
    }
    let out = migrate(&dir, None, &["generate", "again"]);
    assert_code(&out, 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no changes"));
    assert_eq!(migration_dirs(&dir).len(), 1, "no changes writes nothing");
    assert_code(&migrate(&dir, None, &["check"]), 0);
    let out = migrate(&dir, None, &["--format", "json", "check"]);
    assert_code(&out, 0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["ok"], true);
}

#[test]
fn check_catches_missing_migration_and_stale_checksum() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    // The struct changed (here: everything) without a migration.
    let out = migrate(&dir, None, &["check"]);
    assert_code(&out, 1);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("generate"),
        "{}",
        text(&out)
    );

    assert_code(&migrate(&dir, None, &["generate", "initial"]), 0);
    let up = migration_dirs(&dir)[0].join("up.sql");
    let mut sql = std::fs::read_to_string(&up).unwrap();
    sql.push_str("\n-- edited by hand\n");
    std::fs::write(&up, sql).unwrap();
    // A stale sum is a configuration error (exit 2), as the README says.
    let out = migrate(&dir, None, &["check"]);
    assert_code(&out, 2);
    assert!(text(&out).contains("hash"), "{}", text(&out));
    assert_code(&migrate(&dir, None, &["hash"]), 0);
    assert_code(&migrate(&dir, None, &["check"]), 0);
}

#[test]
fn bad_url_and_unreachable_server_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    assert_code(&migrate(&dir, None, &["generate", "initial"]), 0);

    let out = migrate(&dir, Some("postgres://[bad"), &["status"]);
    assert_code(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");

    let out = migrate(
        &dir,
        Some("postgres://postgres@127.0.0.1:1/postgres"),
        &["status"],
    );
    assert_code(&out, 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = migrate(&dir, None, &["up"]);
    assert_code(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));

    let missing = tmp.path().join("nowhere");
    assert_code(
        &migrate(
            &missing,
            Some("postgres://postgres@127.0.0.1:5432/postgres"),
            &["status"],
        ),
        2,
    );
}

#[tokio::test]
async fn up_status_down_and_diff_against_a_database() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    assert_code(&migrate(&dir, None, &["generate", "initial"]), 0);
    let db = TestDb::create("cli_up").await;

    // A version no migration has is a usage error, dry run or not, and nothing is applied.
    for args in [
        &["up", "--to", "19990101000000", "--dry-run"][..],
        &["up", "--to", "19990101000000"],
        &["down", "--to", "19990101000000"],
    ] {
        let out = migrate(&dir, Some(db.url()), args);
        assert_code(&out, 2);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("unknown migration version 19990101000000"),
            "{}",
            text(&out)
        );
    }

    let out = migrate(&dir, Some(db.url()), &["up", "--dry-run"]);
    assert_code(&out, 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("would apply"),
        "{}",
        text(&out)
    );

    assert_code(&migrate(&dir, Some(db.url()), &["up"]), 0);
    let out = migrate(&dir, Some(db.url()), &["--format", "json", "status"]);
    assert_code(&out, 0);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status[0]["state"], "applied", "{status}");

    // The database now equals the declared schema: no drift, and diff prints no statement.
    assert_code(&migrate(&dir, Some(db.url()), &["check", "--database"]), 0);
    let out = migrate(&dir, None, &["diff", "--from", db.url(), "--to", "declared"]);
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "{}", text(&out));

    // What the model cannot hold is neither planned nor dropped, and never silent.
    let client = db.connect().await;
    client
        .batch_execute("CREATE TYPE invoice_span AS RANGE (subtype = int4)")
        .await
        .unwrap();
    let out = migrate(&dir, None, &["diff", "--from", db.url(), "--to", "declared"]);
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: not compared: range type invoice_span"),
        "{}",
        text(&out)
    );
    let out = migrate(&dir, Some(db.url()), &["check", "--database"]);
    assert_code(&out, 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("not compared: range type invoice_span"),
        "{}",
        text(&out)
    );
    client.batch_execute("DROP TYPE invoice_span").await.unwrap();
    drop(client);

    // Reverting a migration that drops tables needs a confirmation; without a terminal, --yes.
    let out = migrate(&dir, Some(db.url()), &["down"]);
    assert_code(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pass --yes"), "{stderr}");
    assert!(stderr.contains("dropping tables"), "{stderr}");
    assert_code(&migrate(&dir, Some(db.url()), &["down", "--yes"]), 0);
    let client = db.connect().await;
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "down removed every table");
}

/// `diff` of two databases reads every schema either holds (no declaration says which are the
/// application's): a table only one side has in `billing`, and a schema only one side has, are
/// planned; the runner's own schema is not. The plan applied, the sides compare equal.
#[tokio::test]
async fn diff_of_two_databases_reads_every_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    let from = TestDb::create("cli_diff_two_from").await;
    let to = TestDb::create("cli_diff_two_to").await;
    let both = "CREATE TABLE t (id int PRIMARY KEY);
                CREATE SCHEMA billing;
                CREATE TABLE billing.invoices (id int PRIMARY KEY);";
    let from_client = from.connect().await;
    from_client
        .batch_execute(&format!(
            "{both}
             CREATE SCHEMA schema_migrate;
             CREATE TABLE schema_migrate.schema_migrations (version text PRIMARY KEY);"
        ))
        .await
        .unwrap();
    let to_client = to.connect().await;
    to_client
        .batch_execute(&format!(
            "{both}
             CREATE TABLE billing.refunds (id int PRIMARY KEY, invoice int NOT NULL REFERENCES billing.invoices);
             CREATE SCHEMA audit;
             CREATE TABLE audit.events (id bigint PRIMARY KEY);"
        ))
        .await
        .unwrap();
    let out = migrate(&dir, None, &["diff", "--from", from.url(), "--to", to.url()]);
    assert_code(&out, 0);
    let up = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        up.contains("CREATE TABLE \"billing\".\"refunds\""),
        "{}",
        text(&out)
    );
    assert!(
        up.contains("CREATE SCHEMA IF NOT EXISTS \"audit\""),
        "{}",
        text(&out)
    );
    assert!(up.contains("CREATE TABLE \"audit\".\"events\""), "{}", text(&out));
    assert!(
        !up.contains("CREATE TABLE \"billing\".\"invoices\""),
        "{}",
        text(&out)
    );
    assert!(!up.contains("schema_migrate"), "{}", text(&out));
    assert!(!stderr.contains("not inspected"), "{}", text(&out));

    // The other way, the down drops what only `to` has; applied, the sides are equal.
    let out = migrate(
        &dir,
        None,
        &[
            "diff",
            "--from",
            to.url(),
            "--to",
            from.url(),
            "--allow-destructive",
        ],
    );
    assert_code(&out, 0);
    let back = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        back.contains("DROP TABLE \"billing\".\"refunds\""),
        "{}",
        text(&out)
    );
    from_client.batch_execute(&up).await.unwrap();
    let out = migrate(&dir, None, &["diff", "--from", from.url(), "--to", to.url()]);
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "{}", text(&out));
}

#[tokio::test]
async fn concurrent_runners_apply_each_migration_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    assert_code(&migrate(&dir, None, &["generate", "initial"]), 0);
    let db = TestDb::create("cli_concurrent").await;
    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_migrate"))
                .arg("--dir")
                .arg(&dir)
                .arg("up")
                .env("DATABASE_URL", db.url())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_code(&out, 0);
    }
    let client = db.connect().await;
    let rows: i64 = client
        .query_one("SELECT count(*) FROM schema_migrate.schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[test]
fn verify_passes_and_catches_a_broken_down() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    assert_code(&migrate(&dir, None, &["generate", "initial"]), 0);
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| testkit::DEFAULT_SERVER_URL.to_owned());
    let out = migrate(&dir, Some(&url), &["verify"]);
    assert_code(&out, 0);

    // A down.sql that forgets to drop a table.
    let down = migration_dirs(&dir)[0].join("down.sql");
    let sql = std::fs::read_to_string(&down).unwrap();
    let broken: String = sql
        .split(";\n")
        .filter(|statement| !statement.contains("DROP TABLE \"exchange_rates\""))
        .collect::<Vec<_>>()
        .join(";\n");
    assert_ne!(broken, sql, "the down migration drops exchange_rates");
    std::fs::write(&down, broken).unwrap();
    assert_code(&migrate(&dir, None, &["hash"]), 0);
    let out = migrate(&dir, Some(&url), &["verify"]);
    assert_code(&out, 1);
    let report = text(&out);
    assert!(report.contains("_initial: down does not restore"), "{report}");
}

/// A hand-written step-by-step migration that drops a tenant policy in one committed statement
/// and creates it in the next: every tenant sees no row of invoices in between (and for good if
/// it stops there). The schema is the same before and after, so only the isolation check sees it.
#[test]
fn verify_catches_a_migration_that_leaves_a_tenant_policy_missing_at_a_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    assert_code(&migrate(&dir, None, &["generate", "initial"]), 0);
    let initial = migration_dirs(&dir)[0].clone();
    let create_policy = std::fs::read_to_string(initial.join("up.sql"))
        .unwrap()
        .lines()
        .find(|line| line.starts_with("CREATE POLICY \"tenant_isolation\" ON \"invoices\""))
        .expect("the initial migration creates the invoices policy")
        .to_owned();
    let hand = dir.join("29990101000000_recreate_invoices_policy");
    std::fs::create_dir(&hand).unwrap();
    std::fs::write(
        hand.join("up.sql"),
        format!("-- migrate:no-transaction\nDROP POLICY \"tenant_isolation\" ON \"invoices\";\n\n{create_policy}\n"),
    )
    .unwrap();
    std::fs::write(hand.join("down.sql"), "SELECT 1;\n").unwrap();
    std::fs::copy(initial.join("schema.json"), hand.join("schema.json")).unwrap();
    assert_code(&migrate(&dir, None, &["hash"]), 0);
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| testkit::DEFAULT_SERVER_URL.to_owned());
    let out = migrate(&dir, Some(&url), &["verify"]);
    assert_code(&out, 1);
    let report = text(&out);
    assert!(
        report.contains("_recreate_invoices_policy: up leaves tenant isolation open: policy tenant_isolation on invoices is dropped at statement 1"),
        "{report}"
    );

    // The same two statements in one transaction are fine.
    std::fs::write(
        hand.join("up.sql"),
        format!("DROP POLICY \"tenant_isolation\" ON \"invoices\";\n\n{create_policy}\n"),
    )
    .unwrap();
    assert_code(&migrate(&dir, None, &["hash"]), 0);
    assert_code(&migrate(&dir, Some(&url), &["verify"]), 0);
}

/// `check --distributed` lists what Citus would reject (the example's single-column primary keys
/// and its cross-tenant unique keys; no foreign key, since they are tenant-scoped) and the calls.
#[test]
fn check_distributed_lists_the_rules_and_the_calls() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let out = migrate(&dir, None, &["check", "--distributed"]);
    assert_code(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("distributed: invoices: primary key invoices_pkey (id) does not include the distribution column organization_id"),
        "{}",
        text(&out)
    );
    assert!(!stdout.contains("foreign key"), "{}", text(&out));
    assert!(stdout.contains("distribute: SELECT create_reference_table('currencies');"));
    assert!(stdout.contains(
        "distribute: SELECT create_distributed_table('invoices', 'organization_id', colocate_with => 'organizations');"
    ));
    // Without the flag, the same directory checks clean.
    assert_code(&migrate(&dir, None, &["check"]), 0);
}

#[test]
fn the_committed_migrations_match_the_declared_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let out = migrate(&dir, None, &["check"]);
    assert_code(&out, 0);
    // Every row-level-security opt-out is listed, with its reason.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "row-level security opt-out: usage_events: written in batches by the metering pipeline"
        ),
        "{}",
        text(&out)
    );
    let out = migrate(&dir, None, &["--format", "json", "check"]);
    assert_code(&out, 0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let opt_outs = report["rls_opt_outs"].as_array().expect("rls_opt_outs");
    assert_eq!(opt_outs.len(), 1, "{report}");
    assert!(
        opt_outs[0].as_str().unwrap().starts_with("usage_events: "),
        "{report}"
    );
}

#[test]
fn lint_passes_the_committed_migrations_and_catches_a_hazard() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let out = migrate(&dir, None, &["lint"]);
    assert_code(&out, 0);

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("add_index.sql");
    std::fs::write(
        &file,
        "SET LOCAL lock_timeout = '2s';\n\nCREATE INDEX invoices_due_on_idx ON invoices (due_on);\n",
    )
    .unwrap();
    let out = migrate(&dir, None, &["lint", file.to_str().unwrap()]);
    assert_code(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("add_index.sql:3: [create-index-not-concurrently]"),
        "{}",
        text(&out)
    );
    assert!(
        stdout.contains("fix: CREATE INDEX CONCURRENTLY"),
        "{}",
        text(&out)
    );

    let out = migrate(&dir, None, &["--format", "json", "lint", file.to_str().unwrap()]);
    assert_code(&out, 1);
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(findings[0]["rule"], "create-index-not-concurrently");
    assert_eq!(findings[0]["line"], 3);

    let allowed = migrate(
        &dir,
        None,
        &[
            "lint",
            "--allow",
            "create-index-not-concurrently",
            file.to_str().unwrap(),
        ],
    );
    assert_code(&allowed, 0);
    assert_code(&migrate(&dir, None, &["lint", "--allow", "no-such-rule"]), 2);
    assert_code(&migrate(&dir, None, &["lint", "nowhere.sql"]), 2);
}

/// A hand-written migration through the binary: `generate --empty`, a failing statement (exit 3,
/// one line, the database left at the previous version), the fix, an applied file edited
/// afterwards (exit 3), a corrupt snapshot (exit 2).
#[tokio::test]
async fn hand_written_migrations_and_the_errors_a_team_meets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    assert_code(&migrate(&dir, None, &["generate", "initial"]), 0);
    let out = migrate(&dir, None, &["generate", "--empty", "backfill_rates"]);
    assert_code(&out, 0);
    let created = migration_dirs(&dir);
    assert_eq!(created.len(), 2, "{}", text(&out));
    let (initial, backfill) = (&created[0], &created[1]);
    assert!(backfill.ends_with(format!(
        "{}_backfill_rates",
        &backfill.file_name().unwrap().to_string_lossy()[..14]
    )));
    for file in ["up.sql", "down.sql"] {
        let sql = std::fs::read_to_string(backfill.join(file)).unwrap();
        assert!(
            sql.lines().all(|l| l.trim().is_empty() || l.starts_with("--")),
            "{file} of an empty migration: {sql}"
        );
    }
    assert_eq!(
        std::fs::read(initial.join("schema.json")).unwrap(),
        std::fs::read(backfill.join("schema.json")).unwrap(),
        "an empty migration copies the snapshot"
    );
    // The schema is unchanged by it: nothing to generate, and check passes.
    assert_code(&migrate(&dir, None, &["check"]), 0);

    // A data migration whose second statement fails.
    std::fs::write(
        backfill.join("up.sql"),
        "CREATE TABLE backfill_marker (id int);\nUPDATE no_such_table SET x = 1;\n",
    )
    .unwrap();
    std::fs::write(backfill.join("down.sql"), "DROP TABLE backfill_marker;\n").unwrap();
    // An edited directory is stale until rehashed.
    let out = migrate(&dir, None, &["check"]);
    assert_code(&out, 2);
    assert_code(&migrate(&dir, None, &["hash"]), 0);

    let db = TestDb::create("cli_hand_written").await;
    let out = migrate(&dir, Some(db.url()), &["up"]);
    assert_code(&out, 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no_such_table"), "{stderr}");
    let initial_version = &initial.file_name().unwrap().to_string_lossy()[..14];
    assert!(
        stderr.contains(&format!("still at version {initial_version}")),
        "{stderr}"
    );
    let client = db.connect().await;
    let marker: bool = client
        .query_one("SELECT to_regclass('backfill_marker') IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(!marker, "the failed migration is rolled back");

    // Fixed and rehashed, the rerun applies it.
    std::fs::write(
        backfill.join("up.sql"),
        "CREATE TABLE backfill_marker (id int);\nUPDATE exchange_rates SET updated_at = updated_at;\n",
    )
    .unwrap();
    assert_code(&migrate(&dir, None, &["hash"]), 0);
    let out = migrate(&dir, Some(db.url()), &["up"]);
    assert_code(&out, 0);
    let out = migrate(&dir, Some(db.url()), &["--format", "json", "status"]);
    assert_code(&out, 0);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status[1]["state"], "applied", "{status}");

    // Edited after it was applied: refused, with the way out.
    std::fs::write(
        backfill.join("up.sql"),
        "CREATE TABLE backfill_marker (id bigint);\n",
    )
    .unwrap();
    assert_code(&migrate(&dir, None, &["hash"]), 0);
    for command in [&["up"][..], &["down", "--yes"]] {
        let out = migrate(&dir, Some(db.url()), command);
        assert_code(&out, 3);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("edited after it was applied"), "{stderr}");
    }

    // A corrupt snapshot: a configuration error naming the file.
    std::fs::write(backfill.join("schema.json"), "{ not json").unwrap();
    for args in [&["hash"][..], &["generate", "next"]] {
        let out = migrate(&dir, None, args);
        assert_code(&out, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("schema.json: not a valid schema snapshot"),
            "{stderr}"
        );
    }
    // `check` reports it, as a configuration error.
    let out = migrate(&dir, None, &["check"]);
    assert_code(&out, 2);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("schema.json: not a valid schema snapshot"),
        "{}",
        text(&out)
    );
    assert_eq!(migration_dirs(&dir).len(), 2, "nothing written");
}
