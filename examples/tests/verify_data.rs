//! `verify` on tables with rows: a migration that works on empty tables but not on a real
//! database fails verify, with the generated rows named; `--rows 0` (empty tables) lets it pass,
//! which shows the rows are what found it.

mod common;

use std::path::Path;

use common::{run_ok, text};
use schema_migrate::inspect::{InspectOptions, inspect};
use testkit::TestDb;

/// A history: the example's schema, then a hand-written migration `up`/`down` whose snapshot is
/// what the database holds after it (read back from a database it was applied to).
async fn history_with(dir: &Path, up: &str, down: &str) {
    let db = TestDb::create("verify_data_snapshot").await;
    run_ok(dir, db.url(), &["generate", "initial"]);
    run_ok(dir, db.url(), &["up"]);
    let client = db.connect().await;
    client.batch_execute(up).await.unwrap();
    let snapshot = inspect(&client, &InspectOptions::default()).await.unwrap().schema;
    run_ok(dir, db.url(), &["generate", "--empty", "data_dependent"]);
    let newest = common::newest_migration(dir);
    std::fs::write(newest.join("up.sql"), up).unwrap();
    std::fs::write(newest.join("down.sql"), down).unwrap();
    std::fs::write(newest.join("schema.json"), snapshot.to_json()).unwrap();
    run_ok(dir, db.url(), &["hash"]);
}

async fn verify_finds(up: &str, down: &str, expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    history_with(&dir, up, down).await;
    let server = testkit::server_url();
    let run = |args: &[&str]| common::migrate(&dir, &server, args).output().unwrap();
    let out = run(&["verify"]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("_data_dependent: up failed (with"), "{report}");
    assert!(report.contains(expected), "{report}");
    // On empty tables the same history passes: the rows are what found it.
    let out = run(&["verify", "--rows", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test]
async fn a_not_null_column_without_default_fails_on_rows() {
    verify_finds(
        "ALTER TABLE customers ADD COLUMN legacy_code integer NOT NULL",
        "ALTER TABLE customers DROP COLUMN legacy_code",
        "contains null values",
    )
    .await;
}

#[tokio::test]
async fn a_unique_key_over_repeated_values_fails_on_rows() {
    verify_finds(
        "CREATE UNIQUE INDEX customers_display_name_key ON customers (display_name)",
        "DROP INDEX customers_display_name_key",
        "could not create unique index",
    )
    .await;
}

#[tokio::test]
async fn every_enum_label_is_in_some_row() {
    // `void` is the last label of invoice_status: a check that rejects it fails only if a
    // generated invoice uses it.
    verify_finds(
        "ALTER TABLE invoices ADD CONSTRAINT invoices_never_void CHECK (status <> 'void')",
        "ALTER TABLE invoices DROP CONSTRAINT invoices_never_void",
        "invoices_never_void",
    )
    .await;
}

#[test]
fn the_example_history_verifies_on_rows_and_reports_each_migration() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let out = common::migrate(&dir, &testkit::server_url(), &["verify"])
        .output()
        .unwrap();
    let report = text(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("on tables with rows"), "{report}");
    assert!(report.contains("_initial_schema  "), "{report}");
    assert!(report.contains("generated row(s) before it"), "{report}");
    assert!(
        !report.contains("no generated row fits"),
        "every table takes rows: {report}"
    );
}
