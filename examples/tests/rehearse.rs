//! `migrate rehearse`: the pending migrations up and down on a throwaway copy of a database with
//! rows, each step timed with its longest lock; the source is only read, and the copy is gone
//! afterwards, also when a step fails.

mod common;

use std::path::Path;
use std::process::Output;

use common::{hand_written, run_ok, text};
use schema_migrate::inspect::{InspectOptions, inspect};
use testkit::TestDb;

const PARENTS: &str = "CREATE TABLE parents (id bigint PRIMARY KEY, name text NOT NULL);\n\
     CREATE TABLE children (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parents (id), note text)";

/// A source with the first migration applied and rows in its tables; `pending` are the
/// migrations after it, not applied.
async fn source_with(dir: &Path, pending: &[(&str, &str)]) -> TestDb {
    let mut scripts = vec![(
        PARENTS.to_owned(),
        "DROP TABLE children; DROP TABLE parents".to_owned(),
    )];
    scripts.extend(
        pending
            .iter()
            .map(|(up, down)| (up.to_string(), down.to_string())),
    );
    let versions = hand_written(dir, &scripts);
    let source = TestDb::create("rehearse_source").await;
    run_ok(dir, source.url(), &["up", "--to", &versions[0]]);
    let client = source.connect().await;
    client
        .batch_execute(
            "INSERT INTO parents SELECT i, 'parent ' || i FROM generate_series(1, 100) i;
             INSERT INTO children SELECT i, i % 100 + 1, CASE WHEN i % 3 = 0 THEN NULL ELSE 'note' END
             FROM generate_series(1, 1000) i",
        )
        .await
        .unwrap();
    source
}

/// What the source holds: its schema, its history and its rows.
async fn state(db: &TestDb) -> (String, Vec<String>, String) {
    let client = db.connect().await;
    let schema = inspect(&client, &InspectOptions::default())
        .await
        .unwrap()
        .schema
        .to_json();
    let history = client
        .query(
            "SELECT h::text FROM schema_migrate.schema_migrations h ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let rows = client
        .query_one(
            "SELECT md5((SELECT string_agg(p::text, ',' ORDER BY id) FROM parents p) || \
             (SELECT string_agg(c::text, ',' ORDER BY id) FROM children c))",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    (schema, history, rows)
}

/// Run `migrate rehearse --from source` with `args`; the throwaway databases of the run (named
/// after its process) must be gone when it ends.
async fn rehearse(dir: &Path, source: &TestDb, args: &[&str]) -> Output {
    let mut all = vec!["rehearse", "--from", source.url()];
    all.extend_from_slice(args);
    let child = common::migrate(dir, source.server_url(), &all).spawn().unwrap();
    let pid = child.id();
    // Waited for off the runtime, so that the sessions this test closed do end (CREATE DATABASE
    // ... TEMPLATE needs the source without sessions).
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let admin = testkit::connect(source.server_url()).await;
    let left: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &[&format!("schema_scratch_{pid}_%")],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the copy of the run is left behind: {}", text(&output));
    output
}

const PENDING: [(&str, &str); 2] = [
    (
        "ALTER TABLE children ADD COLUMN score integer NOT NULL DEFAULT 0;\nUPDATE children SET score = id % 7",
        "ALTER TABLE children DROP COLUMN score",
    ),
    (
        "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY children_note_idx ON children (note)",
        "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY children_note_idx",
    ),
];

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(output)))
}

#[tokio::test]
async fn every_pending_step_has_a_duration_and_a_lock_and_the_source_is_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let source = source_with(&dir, &PENDING).await;
    let before = state(&source).await;

    // The whole database, as a template (no session uses the source).
    let out = rehearse(&dir, &source, &["--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["copy"]["method"], "template", "{report}");
    assert!(report["failure"].is_null(), "{report}");
    let runs = report["runs"].as_array().unwrap();
    let shape: Vec<(String, String, usize)> = runs
        .iter()
        .map(|r| {
            let name = r["migration"].as_str().unwrap();
            (
                name[15..].to_owned(),
                r["direction"].as_str().unwrap().to_owned(),
                r["steps"].as_array().unwrap().len(),
            )
        })
        .collect();
    let expected = [
        ("step_1", "up", 2),
        ("step_2", "up", 1),
        ("step_2", "down", 1),
        ("step_1", "down", 1),
    ];
    let expected: Vec<(String, String, usize)> = expected
        .iter()
        .map(|(n, d, s)| (n.to_string(), d.to_string(), *s))
        .collect();
    assert_eq!(shape, expected, "{report}");
    for step in runs.iter().flat_map(|r| r["steps"].as_array().unwrap()) {
        assert!(step["millis"].is_u64(), "{step}");
        let lock = &step["longest_lock"];
        assert_eq!(lock["relation"], "children", "{step}");
        assert!(lock["mode"].as_str().unwrap().ends_with("Lock"), "{step}");
        assert!(lock["held_ms"].is_u64(), "{step}");
    }
    let add_column = &runs[0]["steps"][0]["longest_lock"];
    assert_eq!(add_column["mode"], "AccessExclusiveLock", "{report}");
    let build = &runs[1]["steps"][0]["longest_lock"];
    assert_eq!(build["mode"], "ShareUpdateExclusiveLock", "{report}");

    // A sample: the first 10 parents, and the first 10 children among those of these parents
    // (ids 1-9 and 100: child i has parent i % 100 + 1); none copied dangling.
    let out = rehearse(&dir, &source, &["--rows", "10", "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["copy"]["method"], "sample", "{report}");
    let tables = report["copy"]["tables"].as_array().unwrap();
    let children = tables.iter().find(|t| t["table"] == "children").unwrap();
    let parents = tables.iter().find(|t| t["table"] == "parents").unwrap();
    assert_eq!(parents["rows"], 10, "{report}");
    assert_eq!(children["rows"], 10, "{report}");
    assert_eq!(children["left_out"], 0, "{report}");
    assert_eq!(report["runs"].as_array().unwrap().len(), 4, "{report}");

    assert_eq!(state(&source).await, before, "the source changed");
    // Nothing was applied to the source: the two migrations are still pending.
    let out = common::migrate(&dir, source.url(), &["status"]).output().unwrap();
    assert_eq!(text(&out).matches("  pending").count(), 2, "{}", text(&out));
}

/// The text report, with times and versions redacted.
fn redacted(report: &str) -> String {
    let mut out = String::new();
    for line in report.lines() {
        let words: Vec<String> = line
            .split(' ')
            .map(|w| {
                if w.len() > 15 && w[..14].bytes().all(|b| b.is_ascii_digit()) && w.as_bytes()[14] == b'_' {
                    format!("VERSION{}", &w[14..])
                } else if w.bytes().any(|b| b.is_ascii_digit())
                    && w.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                {
                    "N".to_owned()
                } else {
                    w.to_owned()
                }
            })
            .collect();
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn the_text_report_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let source = source_with(&dir, &PENDING).await;
    let out = rehearse(&dir, &source, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    insta::assert_snapshot!(redacted(&String::from_utf8_lossy(&out.stdout)));
    let out = rehearse(&dir, &source, &["--sample", "50%"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.starts_with(
            "copy: 50% of the rows that reference no other, with the rows referencing them (not whole: a sample was asked for)"
        ),
        "{report}"
    );
}

#[tokio::test]
async fn a_step_that_fails_on_the_rows_is_named_and_the_copy_is_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let source = source_with(
        &dir,
        &[
            PENDING[0],
            (
                "ALTER TABLE children ADD COLUMN code integer;\nALTER TABLE children ALTER COLUMN code SET NOT NULL",
                "ALTER TABLE children DROP COLUMN code",
            ),
        ],
    )
    .await;
    let before = state(&source).await;
    for sample in [&[][..], &["--rows", "5"][..]] {
        let out = rehearse(&dir, &source, sample).await;
        let report = text(&out);
        assert_eq!(out.status.code(), Some(1), "{report}");
        assert!(
            report.contains("_step_2: up failed at `ALTER TABLE children ALTER COLUMN code SET NOT NULL`"),
            "{report}"
        );
        assert!(report.contains("contains null values"), "{report}");
        // The migration before it ran; no down ran after the failure.
        assert!(report.contains("up ") && report.contains("_step_1"), "{report}");
        assert!(!report.contains("down "), "{report}");
    }
    let out = rehearse(&dir, &source, &["--format", "json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json(&out);
    assert!(
        report["failure"]["migration"]
            .as_str()
            .unwrap()
            .ends_with("_step_2"),
        "{report}"
    );
    assert_eq!(report["failure"]["direction"], "up", "{report}");
    assert_eq!(state(&source).await, before, "the source changed");
}

#[tokio::test]
async fn a_source_that_cannot_be_reached_is_a_database_error_without_its_password() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    hand_written(
        &dir,
        &[(
            PARENTS.to_owned(),
            "DROP TABLE children; DROP TABLE parents".to_owned(),
        )],
    );
    let out = common::migrate(
        &dir,
        &testkit::server_url(),
        &[
            "rehearse",
            "--from",
            "postgres://postgres:hunter2@127.0.0.1:1/db?connect_timeout=2",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(!text(&out).contains("hunter2"), "{}", text(&out));
    let out = common::migrate(
        &dir,
        &testkit::server_url(),
        &["rehearse", "--from", "x", "--sample", "200%"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// Three tables in a chain (`tasks` → `projects` → `accounts`), a nullable key (`projects`
/// without an account) and a tree (`accounts.referrer_id`), for the sampling tests.
const CHAIN: &str = "CREATE TABLE accounts (id bigint PRIMARY KEY, referrer_id bigint REFERENCES accounts (id), name text NOT NULL);\n\
     CREATE TABLE projects (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id), title text);\n\
     CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects (id), done boolean NOT NULL)";

/// A pending migration that fails on the copy when a copied row references a row not copied.
const NO_ORPHANS: &str = "DO $$ BEGIN\n\
     IF EXISTS (SELECT FROM accounts c WHERE c.referrer_id IS NOT NULL AND NOT EXISTS (SELECT FROM accounts p WHERE p.id = c.referrer_id))\n\
     OR EXISTS (SELECT FROM projects c WHERE c.account_id IS NOT NULL AND NOT EXISTS (SELECT FROM accounts p WHERE p.id = c.account_id))\n\
     OR EXISTS (SELECT FROM tasks c WHERE NOT EXISTS (SELECT FROM projects p WHERE p.id = c.project_id))\n\
     THEN RAISE EXCEPTION 'a copied row references a row not copied'; END IF;\n\
     END $$";

#[tokio::test]
async fn a_sample_keeps_the_children_of_the_sampled_parents() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let versions = hand_written(
        &dir,
        &[
            (
                CHAIN.to_owned(),
                "DROP TABLE tasks; DROP TABLE projects; DROP TABLE accounts".to_owned(),
            ),
            (NO_ORPHANS.to_owned(), "SELECT 1".to_owned()),
        ],
    );
    let source = TestDb::create("rehearse_chain").await;
    run_ok(&dir, source.url(), &["up", "--to", &versions[0]]);
    let client = source.connect().await;
    // 1,000 accounts in referral chains of 4 (the first of each refers to none); 5 projects per
    // account and 1,000 without one; 2 tasks per project.
    client
        .batch_execute(
            "INSERT INTO accounts SELECT i, CASE WHEN i % 4 <> 1 THEN i - 1 END, 'a' || i FROM generate_series(1, 1000) i;
             INSERT INTO projects SELECT i, CASE WHEN i <= 5000 THEN (i - 1) / 5 + 1 END, 'p' FROM generate_series(1, 6000) i;
             INSERT INTO tasks SELECT i, (i - 1) % 6000 + 1, i % 2 = 0 FROM generate_series(1, 12000) i;
             ANALYZE",
        )
        .await
        .unwrap();
    let rows = "SELECT md5((SELECT string_agg(a::text, ',' ORDER BY id) FROM accounts a) || \
                (SELECT string_agg(p::text, ',' ORDER BY id) FROM projects p) || \
                (SELECT string_agg(t::text, ',' ORDER BY id) FROM tasks t))";
    let before: String = client.query_one(rows, &[]).await.unwrap().get(0);
    drop(client);

    for _ in 0..2 {
        let out = rehearse(&dir, &source, &["--sample", "10%", "--format", "json"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let report = json(&out);
        // The check ran on the copy and found every copied row's referenced rows.
        assert!(report["failure"].is_null(), "{report}");
        assert_eq!(report["copy"]["method"], "sample", "{report}");
        let count = |name: &str| {
            let tables = report["copy"]["tables"].as_array().unwrap();
            let table = tables.iter().find(|t| t["table"] == name).unwrap();
            assert_eq!(table["left_out"], 0, "{report}");
            table["rows"].as_u64().unwrap()
        };
        let (accounts, projects, tasks) = (count("accounts"), count("projects"), count("tasks"));
        // 10% of the accounts and the accounts they refer to, up to the first of their chain:
        // 1 - 0.9^4, 1 - 0.9^3, 1 - 0.9^2, 0.1 of each place in a chain, 23% on average.
        assert!((120..=340).contains(&accounts), "{accounts} accounts: {report}");
        // Every project of a copied account, and 10% of those without one.
        let without = projects
            .checked_sub(5 * accounts)
            .unwrap_or_else(|| panic!("fewer projects than those of the copied accounts: {report}"));
        assert!(
            (40..=180).contains(&without),
            "{without} projects without account: {report}"
        );
        // Every task of a copied project: not 10% of 10%.
        assert_eq!(tasks, 2 * projects, "{report}");
    }

    let client = source.connect().await;
    let after: String = client.query_one(rows, &[]).await.unwrap().get(0);
    assert_eq!(after, before, "the source's rows changed");
    drop(client);
    let out = common::migrate(&dir, source.url(), &["status"]).output().unwrap();
    assert_eq!(text(&out).matches("  pending").count(), 1, "{}", text(&out));
}

/// Tables in the chain of `a_sample_of_a_deep_chain_of_foreign_keys_is_planned_in_linear_time`.
const DEEP: usize = 30;

/// A chain of foreign keys 30 tables deep (each table's rows reference the one before's): the
/// query that chooses the last table's rows recomputes the choice of all 29 before it. Planned
/// inlined, it doubled with every level (2^30 plans: the source's server would run out of memory
/// long before); the source's statement timeout turns such a regression into a failure here.
#[tokio::test]
async fn a_sample_of_a_deep_chain_of_foreign_keys_is_planned_in_linear_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let name = |i: usize| format!("link_{i:02}");
    let up: String = (0..DEEP)
        .map(|i| match i {
            0 => format!("CREATE TABLE {} (id bigint PRIMARY KEY);\n", name(0)),
            _ => format!(
                "CREATE TABLE {} (id bigint PRIMARY KEY, up_id bigint NOT NULL REFERENCES {} (id));\n",
                name(i),
                name(i - 1)
            ),
        })
        .collect();
    let down: String = (0..DEEP)
        .rev()
        .map(|i| format!("DROP TABLE {};\n", name(i)))
        .collect();
    let versions = hand_written(
        &dir,
        &[(up, down), ("SELECT 1".to_owned(), "SELECT 1".to_owned())],
    );
    let source = TestDb::create("rehearse_deep").await;
    run_ok(&dir, source.url(), &["up", "--to", &versions[0]]);
    let client = source.connect().await;
    let rows: String = (0..DEEP)
        .map(|i| match i {
            0 => format!(
                "INSERT INTO {} SELECT g FROM generate_series(1, 200) g;\n",
                name(0)
            ),
            _ => format!(
                "INSERT INTO {} SELECT g, g FROM generate_series(1, 200) g;\n",
                name(i)
            ),
        })
        .collect();
    client.batch_execute(&rows).await.unwrap();
    let database = client
        .query_one("SELECT current_database()", &[])
        .await
        .unwrap()
        .get::<_, String>(0);
    client
        .batch_execute(&format!(
            "ALTER DATABASE {} SET statement_timeout = '60s'",
            schema_core::ident::quote(&database)
        ))
        .await
        .unwrap();
    drop(client);

    let out = rehearse(&dir, &source, &["--sample", "50%", "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    let tables = report["copy"]["tables"].as_array().unwrap();
    let count = |table: String| {
        let copied = tables.iter().find(|t| t["table"] == table.as_str()).unwrap();
        assert_eq!(copied["left_out"], 0, "{report}");
        copied["rows"].as_u64().unwrap()
    };
    let first = count(name(0));
    assert!((40..=160).contains(&first), "{first} of 200 roots: {report}");
    // Row g of each table references row g of the one before: exactly the chosen roots' rows.
    for i in 1..DEEP {
        assert_eq!(count(name(i)), first, "{}: {report}", name(i));
    }
}

#[tokio::test]
async fn ctrl_c_during_a_rehearsal_exits_3_and_drops_the_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let source = source_with(&dir, &[("SELECT pg_sleep(120)", "SELECT 1")]).await;
    let before = state(&source).await;
    for args in [&[][..], &["--rows", "5"][..]] {
        let mut all = vec!["rehearse", "--from", source.url()];
        all.extend_from_slice(args);
        let child = common::migrate(&dir, source.server_url(), &all).spawn().unwrap();
        let pid = child.id();
        let copies = format!("schema_scratch_{pid}_%");
        let admin = testkit::connect(source.server_url()).await;
        // Wait until the migration sleeps on the copy.
        let started = std::time::Instant::now();
        loop {
            let sleeping: i64 = admin
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE $1 AND query LIKE '%pg_sleep(120)%'",
                    &[&copies],
                )
                .await
                .unwrap()
                .get(0);
            if sleeping > 0 {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the rehearsal never reached its migration"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let interrupt = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap();
        assert!(interrupt.success());
        let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        let report = text(&output);
        assert_eq!(output.status.code(), Some(3), "{report}");
        assert!(
            report.contains(
                "interrupted: the rehearsal stopped and its copy was dropped; the source was only read"
            ),
            "{report}"
        );
        // Well before the 120 s of the migration.
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{report}");
        let left: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
                &[&copies],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0, "the copy is left behind: {report}");
    }
    assert_eq!(state(&source).await, before, "the source changed");
}
