//! `migrate advise` on the example with 200,000 invoices and 20,000 customers: each missing
//! index is found and proven by the planner (HypoPG, and real indexes on a copy), served
//! statements and tiny tables get nothing, the advice ranks by weighted benefit, and the
//! recommended index, once built, is what the planner uses. Over-indexing is found on a schema
//! built to have each kind, and the workload can come from pg_stat_statements.

mod common;

use std::path::{Path, PathBuf};

use common::migrate;
use schema_migrate::advise::{AdviseOptions, advise};
use serde_json::Value;
use testkit::TestDb;

fn migrations() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")
}

/// Rows enough that the planner prefers an index where one fits: 20 organizations, 20,000
/// customers (one in ten deleted), 200,000 invoices.
const SEED: &str = "
SET session_replication_role = replica;
INSERT INTO currencies (code, name, minor_units) VALUES ('EUR', 'Euro', 2), ('USD', 'US dollar', 2), ('JPY', 'Yen', 0);
INSERT INTO organizations (id, slug, display_name, plan)
  SELECT ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'org' || g, 'Org ' || g, 'team'
    FROM generate_series(1, 20) g;
INSERT INTO customers (id, organization_id, email, display_name, country_code, metadata, deleted_at)
  SELECT gen_random_uuid(), ('00000000-0000-0000-0000-' || lpad((1 + g % 20)::text, 12, '0'))::uuid,
         'c' || g || '@example.com', 'Customer ' || g, (ARRAY['DE','FR','US','JP','NL','IT','ES','PL'])[1 + g % 8],
         '{}', CASE WHEN g % 10 = 0 THEN now() END
    FROM generate_series(1, 20000) g;
INSERT INTO invoices (organization_id, customer_id, number, status, currency_code, subtotal_cents, tax_cents,
                      total_cents, due_on, paid_at)
  SELECT c.organization_id, c.id, g, (ARRAY['draft','open','paid','void','uncollectible'])[1 + g % 5]::invoice_status,
         (ARRAY['EUR','USD','JPY'])[1 + g % 3], 1000, 190, 1190, date '2026-01-01' + (g % 365),
         CASE WHEN g % 5 = 2 THEN timestamptz '2026-01-01' + (g % 365) * interval '1 day' END
    FROM generate_series(1, 200000) g
    JOIN (SELECT id, organization_id, row_number() OVER (ORDER BY email) - 1 AS n FROM customers) c
      ON c.n = g % 20000;
RESET session_replication_role;
ANALYZE;
";

/// Nine statements of a billing dashboard: three no index serves well yet (q2, q8, q9), five an
/// index of the schema serves, one on a three-row table.
const WORKLOAD: &str = "
-- calls: 5000
SELECT id, number, total_cents FROM invoices WHERE organization_id = $1 AND status = 'open' ORDER BY due_on DESC LIMIT 50;
-- calls: 800
-- name: the dashboard's recently paid invoices
SELECT * FROM invoices WHERE organization_id = $1 AND paid_at >= $2 ORDER BY paid_at LIMIT 100;
-- calls: 3000
SELECT * FROM customers WHERE organization_id = $1 AND email = $2 AND deleted_at IS NULL;
-- calls: 2000
SELECT count(*) FROM invoices WHERE organization_id = $1 AND customer_id = $2;
-- calls: 50
SELECT * FROM currencies WHERE name = $1;
-- calls: 400
SELECT c.display_name, i.number FROM invoices i JOIN customers c ON c.id = i.customer_id
 WHERE i.organization_id = $1 AND i.status = 'open' AND i.due_on < $2;
-- calls: 300
UPDATE invoices SET status = 'paid', paid_at = now() WHERE organization_id = $1 AND number = $2;
-- calls: 1500
SELECT * FROM customers WHERE organization_id = $1 AND country_code = $2 ORDER BY created_at DESC LIMIT 20;
-- calls: 200
SELECT sum(total_cents) FROM invoices WHERE organization_id = $1 AND currency_code = $2 AND due_on BETWEEN $3 AND $4;
";

/// Reset the statistics once what this session wrote is in them: a backend flushes its counts
/// when idle, at most once a second, so a bulk load's rows could otherwise be counted after the
/// reset (and make its tables look written). A forced flush happens as the session goes idle
/// after that statement, before the reset is sent.
async fn reset_statistics(client: &tokio_postgres::Client) {
    client
        .batch_execute("SELECT pg_stat_force_next_flush()")
        .await
        .unwrap();
    client.batch_execute("SELECT pg_stat_reset()").await.unwrap();
}

async fn seeded_example(label: &str) -> TestDb {
    let db = TestDb::create(label).await;
    let (dir, url) = (migrations(), db.url().to_owned());
    tokio::task::spawn_blocking(move || common::run_ok(&dir, &url, &["up"]))
        .await
        .unwrap();
    let client = db.connect().await;
    client.batch_execute(SEED).await.unwrap();
    // Vacuumed, so that autovacuum does not change the plans half-way (index-only scans depend
    // on the visibility map). The statistics reset: the bulk load is not the workload (its
    // rows written would make every table look write-heavy).
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
    reset_statistics(&client).await;
    db
}

fn workload_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("workload.sql");
    std::fs::write(&path, text).unwrap();
    path
}

/// Run `migrate advise --format json` with `args`; the JSON and the child's pid.
async fn advise_json(url: &str, args: &[&str]) -> (Value, u32) {
    let (url, args): (String, Vec<String>) = (url.to_owned(), args.iter().map(|a| a.to_string()).collect());
    tokio::task::spawn_blocking(move || {
        let mut all = vec!["advise".to_owned(), "--format".to_owned(), "json".to_owned()];
        all.extend(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let child = migrate(&migrations(), &url, &all).spawn().unwrap();
        let pid = child.id();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "advise failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (serde_json::from_slice(&output.stdout).unwrap(), pid)
    })
    .await
    .unwrap()
}

fn names(advice: &Value) -> Vec<String> {
    advice["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

fn served(advice: &Value, query: usize) -> Vec<String> {
    advice["workload"][query]["served_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

const PAID_AT: &str = "invoices_organization_id_paid_at_idx";
const COUNTRY: &str = "customers_organization_id_country_code_created_at_idx";
const CURRENCY: &str = "invoices_organization_id_currency_code_due_on_idx";

fn assert_the_dashboard_advice(advice: &Value, method: &str) {
    assert_eq!(advice["method"], method);
    let names = names(advice);
    // The statements no index serves get theirs, the heaviest first.
    assert_eq!(names[0], PAID_AT, "{advice:#}");
    assert!(names.contains(&COUNTRY.to_owned()), "{names:?}");
    assert!(names.contains(&CURRENCY.to_owned()), "{names:?}");
    assert!(names.len() <= 4, "only the indexes that help: {names:?}");
    // Ranked by weighted benefit (no table is written since the statistics were reset: the
    // benefit is the score).
    let benefits: Vec<f64> = advice["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(benefits.windows(2).all(|w| w[0] >= w[1]), "{benefits:?}");
    for r in advice["recommendations"].as_array().unwrap() {
        assert_eq!(r["score"], r["benefit"], "{r}");
        let writes = &r["writes"];
        assert_eq!(
            writes["indexes_after"].as_u64().unwrap(),
            writes["indexes_before"].as_u64().unwrap() + 1
        );
        // Two keys or more of 4 bytes or more, over 20,000 rows or more.
        assert!(writes["key_bytes"].as_u64().unwrap() >= 8, "{writes}");
        assert!(
            writes["estimated_bytes"].as_i64().unwrap() > 20_000 * 8,
            "{writes}"
        );
    }
    // The statistics were reset just now: no index is called unused, and the reset is said.
    assert!(advice["stats"]["reset_at"].is_string(), "{}", advice["stats"]);
    assert_eq!(advice["stats"]["unused_reported"], false);
    assert!(
        !advice["over_indexing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "unused")
    );
    // Nothing for the statements an existing index serves well, nor for the tiny table. (The
    // join, q6, is served by an existing index too; a covering one may still halve its cost.)
    for q in [0, 2, 3, 4, 6] {
        assert!(
            served(advice, q).is_empty(),
            "q{} got {:?}",
            q + 1,
            served(advice, q)
        );
    }
    assert_eq!(served(advice, 1), [PAID_AT]);
    assert_eq!(served(advice, 7), [COUNTRY]);
    assert_eq!(served(advice, 8), [CURRENCY]);
    // Each proof lowered the cost and the plan now scans the new index.
    for r in advice["recommendations"].as_array().unwrap() {
        for gain in r["gains"].as_array().unwrap() {
            assert!(
                gain["cost_after"].as_f64() < gain["cost_before"].as_f64(),
                "{gain}"
            );
            assert!(
                gain["scan_after"]
                    .as_str()
                    .unwrap()
                    .contains(r["name"].as_str().unwrap()),
                "{gain}"
            );
        }
    }
    let first = &advice["recommendations"][0];
    assert_eq!(first["rust_struct"], "Invoice");
    // The attribute says what the index serves: the statement's name, else its SQL.
    assert_eq!(first["comment"], "serves the dashboard's recently paid invoices");
    assert_eq!(
        first["attribute"],
        format!(
            "#[table(index(organization_id, paid_at, name = \"{PAID_AT}\", comment = \"serves the dashboard's recently paid invoices\"))]"
        )
    );
    let country = advice["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == COUNTRY)
        .unwrap();
    assert_eq!(
        country["comment"],
        "serves SELECT * FROM customers WHERE organization_id = $1 AND country_code = $2 ORDER BY created_at DESC LIMIT 20"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_the_missing_indexes_proves_them_and_nothing_else() {
    let db = seeded_example("advise_hypo").await;
    let tmp = tempfile::tempdir().unwrap();
    let queries = workload_file(tmp.path(), WORKLOAD);
    let (advice, _) = advise_json(db.url(), &["--queries", queries.to_str().unwrap()]).await;
    assert_the_dashboard_advice(&advice, "hypothetical");

    // The text report, with the planner's figures redacted (they move with ANALYZE's sample).
    let (dir, url, file) = (migrations(), db.url().to_owned(), queries.clone());
    let text = tokio::task::spawn_blocking(move || {
        common::run_ok(&dir, &url, &["advise", "--queries", file.to_str().unwrap()])
    })
    .await
    .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    insta::assert_snapshot!("the_dashboard_advice", redact(&text));

    // Nothing stays on the database: no index, no extension.
    let client = db.connect().await;
    let left: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'hypopg') + \
                    (SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%paid_at%')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);

    // The recommended index, built as `generate` writes it, is the one the planner takes; and
    // the advice does not repeat it.
    let sql = advice["recommendations"][0]["sql"].as_str().unwrap();
    assert!(sql.starts_with("CREATE INDEX CONCURRENTLY"), "{sql}");
    // The concurrent build runs on its own, then the comment.
    let statements: Vec<&str> = sql.split(";\n").collect();
    assert_eq!(
        statements[1..],
        [format!(
            "COMMENT ON INDEX \"{PAID_AT}\" IS 'serves the dashboard''s recently paid invoices'"
        )],
        "{sql}"
    );
    for statement in statements {
        client.batch_execute(statement).await.unwrap();
    }
    let comment: Option<String> = client
        .query_one(
            &format!("SELECT obj_description('{PAID_AT}'::regclass, 'pg_class')"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        comment.as_deref(),
        Some("serves the dashboard's recently paid invoices")
    );
    client.batch_execute("ANALYZE invoices").await.unwrap();
    let plan: Value = client
        .query_one(
            "EXPLAIN (FORMAT JSON) SELECT * FROM invoices WHERE organization_id = '00000000-0000-0000-0000-000000000003' \
             AND paid_at >= '2026-06-01' ORDER BY paid_at LIMIT 100",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(plan.to_string().contains(PAID_AT), "{plan}");
    let (again, _) = advise_json(db.url(), &["--queries", queries.to_str().unwrap()]).await;
    assert!(
        !names(&again).contains(&PAID_AT.to_owned()),
        "{:?}",
        names(&again)
    );
    assert!(
        again["workload"][1]["uses_existing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == PAID_AT)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_hypopg_real_indexes_on_a_copy_prove_the_same() {
    let db = seeded_example("advise_copy").await;
    let tmp = tempfile::tempdir().unwrap();
    let queries = workload_file(tmp.path(), WORKLOAD);
    let (advice, pid) = advise_json(db.url(), &["--queries", queries.to_str().unwrap(), "--no-hypopg"]).await;
    assert_the_dashboard_advice(&advice, "real_on_copy");
    assert_eq!(advice["fallback"], "--no-hypopg was given");
    let client = db.connect().await;
    let copies: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &[&format!("schema_scratch_{pid}_%")],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(copies, 0, "the copy is dropped");
    let built: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'advise_candidate%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(built, 0, "nothing is built on the source");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_indexing_is_reported_by_kind() {
    let db = TestDb::create("advise_over").await;
    let client = db.connect().await;
    client
        .batch_execute(
            "CREATE TABLE parents (id bigint PRIMARY KEY);
             CREATE TABLE things (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parents ON DELETE CASCADE,
                                  a integer NOT NULL, b integer NOT NULL, c integer NOT NULL, deleted_at timestamptz);
             CREATE INDEX things_a ON things (a);
             CREATE INDEX things_a_b ON things (a, b);
             CREATE INDEX things_a_b_copy ON things (a, b);
             CREATE INDEX things_a_b_c ON things (a, b, c);
             CREATE INDEX things_live_a ON things (a) WHERE deleted_at IS NULL;
             CREATE INDEX things_id_a ON things (id, a);
             INSERT INTO parents SELECT g FROM generate_series(1, 10) g;
             INSERT INTO things SELECT g, 1 + g % 10, g % 100, g % 7, g % 3 FROM generate_series(1, 1000) g;
             ANALYZE;",
        )
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let queries = workload_file(
        tmp.path(),
        "SELECT * FROM things WHERE a = $1 AND b = $2;\nSELECT * FROM things WHERE a = $1 AND deleted_at IS NULL",
    );
    let advice = advise(
        db.url(),
        None,
        &AdviseOptions {
            queries: Some(queries),
            ..AdviseOptions::default()
        },
    )
    .await
    .unwrap();
    let found: Vec<(&str, &str)> = advice
        .over_indexing
        .iter()
        .filter(|f| f.kind != "unused")
        .map(|f| (f.kind, f.object.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("duplicate", "things_a_b_copy"),
            ("redundant", "things_a"),
            ("redundant", "things_a_b"),
            ("redundant", "things_id_a"),
            ("unindexed_foreign_key", "things_parent_id_fkey"),
            ("wider_than_needed", "things_a_b_c"),
        ],
        "{:#?}",
        advice.over_indexing
    );
    // The partial index has its own predicate: not redundant with the plain one.
    assert!(
        !advice
            .over_indexing
            .iter()
            .any(|f| f.kind != "unused" && f.object == "things_live_a")
    );
    // Never scanned since the statistics began: all but the keys.
    let unused: Vec<&str> = advice
        .over_indexing
        .iter()
        .filter(|f| f.kind == "unused")
        .map(|f| f.object.as_str())
        .collect();
    assert!(
        unused.contains(&"things_a_b_c") && !unused.contains(&"things_pkey"),
        "{unused:?}"
    );
    assert!(advice.stats.reset_at.is_none() && advice.stats.unused_reported);

    // Freshly reset statistics call no index unused, and say when they were reset; a minimum
    // age of 0 reports them again, since the reset.
    reset_statistics(&client).await;
    let (url, file) = (db.url().to_owned(), tmp.path().join("workload.sql"));
    let fresh = tokio::task::spawn_blocking(move || {
        let output = migrate(
            &migrations(),
            &url,
            &["advise", "--no-stats", "--queries", file.to_str().unwrap()],
        )
        .output()
        .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    })
    .await
    .unwrap();
    assert!(!fresh.contains("   unused "), "{fresh}");
    assert!(fresh.contains("statistics reset at "), "{fresh}");
    assert!(
        fresh.contains("less than the minimum age 7d (--min-stats-age): no index is called unused yet"),
        "{fresh}"
    );
    let again = advise(
        db.url(),
        None,
        &AdviseOptions {
            queries: Some(tmp.path().join("workload.sql")),
            min_stats_age: std::time::Duration::ZERO,
            ..AdviseOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(again.stats.reset_at.is_some() && again.stats.unused_reported);
    let unused_since_reset: Vec<&str> = again
        .over_indexing
        .iter()
        .filter(|f| f.kind == "unused")
        .map(|f| f.object.as_str())
        .collect();
    assert!(
        unused_since_reset.contains(&"things_a_b_c"),
        "{unused_since_reset:?}"
    );
    let output = migrate(
        &migrations(),
        db.url(),
        &["advise", "--queries", "x", "--min-stats-age", "a week"],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--min-stats-age takes a duration"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_broken_workloads_are_reported_not_fatal() {
    let db = TestDb::create("advise_hostile").await;
    let (dir, url) = (migrations(), db.url().to_owned());
    tokio::task::spawn_blocking(move || common::run_ok(&dir, &url, &["up"]))
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let queries = workload_file(
        tmp.path(),
        "SELECT * FROM invoices WHERE id = = 1;\n\
         SELECT * FROM invoices WHERE no_such_column = $1;\n\
         SELECT * FROM pg_class WHERE relname = $1;\n\
         SELECT * FROM invoices WHERE organization_id = $1; DROP TABLE invoices;\n\
         DELETE FROM customers WHERE email = $1",
    );
    let (advice, _) = advise_json(db.url(), &["--queries", queries.to_str().unwrap()]).await;
    let notes: Vec<String> = advice["workload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["note"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(notes[0].starts_with("not parsed"), "{notes:?}");
    assert!(notes[1].starts_with("not planned"), "{notes:?}");
    assert_eq!(notes[2], "names no table of the schema");
    assert_eq!(notes.len(), 5, "the DROP is no statement to advise on: {notes:?}");
    // The DROP was never run: planning only prepares statements, in a transaction rolled back.
    let client = db.connect().await;
    client.query("SELECT 1 FROM invoices LIMIT 1", &[]).await.unwrap();

    // A missing file and a missing workload are usage errors, on one line.
    let output = migrate(
        &migrations(),
        db.url(),
        &["advise", "--queries", "/nonexistent/q.sql"],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot read the queries file"), "{stderr}");
    let output = migrate(&migrations(), db.url(), &["advise"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pg_stat_statements"));
    let output = migrate(
        &migrations(),
        db.url(),
        &["advise", "--queries", "x", "--min-gain", "0%"],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// The workload read from pg_stat_statements, on a private cluster that preloads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workload_comes_from_pg_stat_statements() {
    let bin = schema_migrate::cluster::find_bin_dir().expect("Postgres' initdb is installed");
    let cluster = schema_migrate::cluster::PrivateCluster::start_with(
        &bin,
        &[("shared_preload_libraries", "pg_stat_statements")],
    )
    .expect("a private cluster starts");
    let admin_url = cluster.url();
    let admin = schema_migrate::db::connect(&admin_url).await.unwrap();
    admin.batch_execute("CREATE DATABASE advise_stats").await.unwrap();
    let url = admin_url.replace("dbname=postgres", "dbname=advise_stats");
    let (dir, up_url) = (migrations(), url.clone());
    tokio::task::spawn_blocking(move || common::run_ok(&dir, &up_url, &["up"]))
        .await
        .unwrap();
    let client = schema_migrate::db::connect(&url).await.unwrap();
    client.batch_execute(SEED).await.unwrap();
    client
        .batch_execute("CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset();")
        .await
        .unwrap();
    let statement = client
        .prepare(
            "SELECT * FROM invoices WHERE organization_id = $1 AND paid_at >= $2 ORDER BY paid_at LIMIT 100",
        )
        .await
        .unwrap();
    for i in 1..=30u32 {
        let org: uuid::Uuid = format!("00000000-0000-0000-0000-{:012}", 1 + i % 20)
            .parse()
            .unwrap();
        let since = time::macros::datetime!(2026-06-01 0:00 UTC);
        client.query(&statement, &[&org, &since]).await.unwrap();
    }
    let (advice, _) = advise_json(&url, &[]).await;
    let from_stats = advice["workload"]
        .as_array()
        .unwrap()
        .iter()
        .position(|q| {
            q["source"] == "pg_stat_statements" && q["sql"].as_str().unwrap().contains("paid_at >= $2")
        })
        .unwrap_or_else(|| panic!("the statement is read from pg_stat_statements: {advice:#}"));
    assert_eq!(advice["workload"][from_stats]["calls"], 30);
    assert!(names(&advice).contains(&PAID_AT.to_owned()), "{advice:#}");
    drop(client);
    drop(admin);
    drop(cluster);
}

/// `--verify`: the recommended indexes run as a migration on a copy, and the workload measured
/// there before and after with EXPLAIN ANALYZE; nothing of it runs on the database advised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_measures_the_workload_on_a_copy_before_and_after_the_migration() {
    let db = seeded_example("advise_verify").await;
    let tmp = tempfile::tempdir().unwrap();
    // A hostile entry too: the DROP after the `;` is a statement of its own, no workload.
    let workload = format!(
        "{WORKLOAD}\nSELECT id FROM invoices WHERE organization_id = $1 LIMIT 1; DROP TABLE invoices;\n"
    );
    let queries = workload_file(tmp.path(), &workload);
    let (advice, pid) = advise_json(db.url(), &["--queries", queries.to_str().unwrap(), "--verify"]).await;
    assert_eq!(advice["method"], "hypothetical", "{}", advice["fallback"]);
    assert_eq!(
        advice["workload"].as_array().unwrap().len(),
        10,
        "the DROP is no statement of the workload"
    );
    let v = &advice["verification"];
    assert!(v.is_object(), "{advice:#}");
    assert!(v["failure"].is_null(), "{v:#}");
    // The migration is what generate writes: each recommendation, built concurrently, and its
    // comment (each statement in a step of its own).
    let migration = v["migration"].as_str().unwrap();
    for r in advice["recommendations"].as_array().unwrap() {
        for statement in r["sql"].as_str().unwrap().split(";\n") {
            assert!(migration.contains(statement), "{migration}\n{statement}");
        }
        assert!(migration.contains("COMMENT ON INDEX"), "{migration}");
    }
    assert!(migration.starts_with("-- migrate:no-transaction"), "{migration}");
    let steps = v["run"]["steps"].as_array().unwrap();
    assert_eq!(
        steps
            .iter()
            .filter(|s| s["statement"]
                .as_str()
                .unwrap()
                .starts_with("CREATE INDEX CONCURRENTLY"))
            .count(),
        advice["recommendations"].as_array().unwrap().len()
    );
    let measured = |q: usize, when: &str| v["queries"][q][when].clone();
    // Every statement planned is measured before and after.
    for q in 0..10 {
        assert!(
            measured(q, "before").is_object(),
            "q{}: {:#}",
            q + 1,
            v["queries"][q]
        );
        assert!(
            measured(q, "after").is_object(),
            "q{}: {:#}",
            q + 1,
            v["queries"][q]
        );
    }
    // q2 scanned the new index after, and read fewer buffers; the plan node that changed is said.
    let (before, after) = (measured(1, "before"), measured(1, "after"));
    let scans = |m: &Value| m["scans"].to_string();
    assert!(
        !scans(&before).contains(PAID_AT) && scans(&after).contains(PAID_AT),
        "{before}\n{after}"
    );
    let buffers = |m: &Value| m["shared_hit"].as_i64().unwrap() + m["shared_read"].as_i64().unwrap();
    assert!(buffers(&after) < buffers(&before), "{before}\n{after}");
    assert!(
        before["rows"].as_f64().unwrap() > 0.0,
        "the parameters find rows: {before}"
    );
    let changed = v["queries"][1]["changed"].as_array().unwrap();
    assert!(
        changed.iter().any(|c| c
            .as_str()
            .unwrap()
            .ends_with(&format!("Index Scan using {PAID_AT} on invoices"))),
        "{changed:?}"
    );
    assert_eq!(
        v["queries"][1]["parameters"],
        serde_json::json!([
            "$1: invoices.organization_id of one row",
            "$2: the 50th percentile of invoices.paid_at"
        ])
    );
    // The copy was a template copy (no session on the source, so it read nothing there), and
    // the statements, the UPDATE too, ran there only: the source's counters show no scan and
    // no row written since the reset. (Planning on the source probes an index whose first key
    // is a join key for its extremes, a scan; no index of invoices leads with customer_id.)
    assert_eq!(v["copy"]["method"], "template", "{}", v["copy"]);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let client = db.connect().await;
    let (written, scans_on_source): (i64, i64) = {
        let row = client
            .query_one(
                "SELECT n_tup_upd + n_tup_ins + n_tup_del, coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'invoices'",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(written, 0, "no row of the source was written");
    assert_eq!(
        scans_on_source, 0,
        "no statement of the workload ran on the source"
    );
    let left: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM pg_indexes WHERE indexname = $1) + \
                    (SELECT count(*) FROM pg_database WHERE datname LIKE $2)",
            &[&PAID_AT, &format!("schema_scratch_{pid}_%")],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "no index on the source, and the copy is dropped");
    client.query("SELECT 1 FROM invoices LIMIT 1", &[]).await.unwrap();
    drop(client);

    // The text report says the same (a template copy again: no session on the source).
    let (dir, url, file) = (migrations(), db.url().to_owned(), queries.clone());
    let text = tokio::task::spawn_blocking(move || {
        common::run_ok(
            &dir,
            &url,
            &["advise", "--verify", "--queries", file.to_str().unwrap()],
        )
    })
    .await
    .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    if let Ok(path) = std::env::var("ADVISE_VERIFY_TEXT") {
        std::fs::write(path, &text).unwrap();
    }
    assert!(
        text.contains("verified on a throwaway copy (a template copy"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "plan: Bitmap Heap Scan on invoices -> Index Scan using {PAID_AT} on invoices"
        )),
        "{text}"
    );
}

/// The measuring session refuses a second statement after a `;`: it is not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_runs_one_statement_and_rolls_it_back() {
    let db = TestDb::create("advise_verify_one").await;
    let client = db.connect().await;
    client
        .batch_execute("CREATE TABLE t (a integer, b text); INSERT INTO t VALUES (1, 'a;b')")
        .await
        .unwrap();
    let refused = schema_migrate::advise::verify::explain_analyze(
        &client,
        "SELECT * FROM t WHERE a = $1; DROP TABLE t",
        &[Some("1".to_owned())],
    )
    .await
    .unwrap();
    assert_eq!(refused, Err("more than one statement".to_owned()));
    // A `;` inside a string is no second statement; a DELETE is measured and rolled back.
    let measured = schema_migrate::advise::verify::explain_analyze(
        &client,
        "DELETE FROM t WHERE b = 'a;b' AND a = $1",
        &[Some("1".to_owned())],
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        measured.scans.iter().any(|s| s == "Seq Scan on t"),
        "{measured:?}"
    );
    let rows: i64 = client
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1, "the table is there, its row too");
}

/// A table mostly written weighs less in the choice: its rows written count against its reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_heavy_tables_weigh_less_in_the_choice() {
    let db = TestDb::create("advise_writes").await;
    let client = db.connect().await;
    client
        .batch_execute(
            "CREATE TABLE events (id bigint PRIMARY KEY, kind integer NOT NULL, payload text NOT NULL);
             CREATE TABLE accounts (id bigint PRIMARY KEY, region integer NOT NULL, name text NOT NULL);
             INSERT INTO events SELECT g, g % 1000, repeat('x', 50) FROM generate_series(1, 50000) g;
             INSERT INTO accounts SELECT g, g % 1000, 'a' || g FROM generate_series(1, 50000) g;",
        )
        .await
        .unwrap();
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
    reset_statistics(&client).await;
    let tmp = tempfile::tempdir().unwrap();
    // The events' statement runs more often: alone, its index is worth more.
    let queries = workload_file(
        tmp.path(),
        "-- calls: 3000\nSELECT * FROM events WHERE kind = $1;\n-- calls: 1000\nSELECT * FROM accounts WHERE region = $1",
    );
    let options = AdviseOptions {
        queries: Some(queries),
        max_indexes: 1,
        ..AdviseOptions::default()
    };
    let quiet = advise(db.url(), None, &options).await.unwrap();
    assert_eq!(quiet.recommendations.len(), 1);
    assert_eq!(quiet.recommendations[0].table, "events");
    assert_eq!(quiet.recommendations[0].writes.read_share, 1.0);

    // Now events is written (100,000 rows inserted and deleted), accounts read.
    client
        .batch_execute(
            "INSERT INTO events SELECT g, 1, 'y' FROM generate_series(100001, 150000) g;
             DELETE FROM events WHERE id > 100000;
             SELECT count(*) FROM accounts; SELECT count(*) FROM accounts; SELECT count(*) FROM accounts;
             SELECT pg_stat_force_next_flush();",
        )
        .await
        .unwrap();
    drop(client);
    let client = db.connect().await;
    for _ in 0..100 {
        let written: i64 = client
            .query_one(
                "SELECT n_tup_ins + n_tup_del FROM pg_stat_user_tables WHERE relname = 'events'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if written >= 100_000 {
            break;
        }
        client
            .batch_execute("SELECT pg_stat_clear_snapshot()")
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let busy = advise(db.url(), None, &options).await.unwrap();
    assert_eq!(busy.recommendations.len(), 1);
    let pick = &busy.recommendations[0];
    assert_eq!(pick.table, "accounts", "{:#?}", busy.recommendations);
    assert!(pick.writes.table_reads >= 3, "{:?}", pick.writes);
    assert_eq!(pick.writes.table_rows_written, 0);
    assert!(
        pick.score > 0.0 && pick.write_cost.contains("read share"),
        "{}",
        pick.write_cost
    );
    // Without a limit both come, the events' index after, with its share said.
    let both = advise(
        db.url(),
        None,
        &AdviseOptions {
            max_indexes: 10,
            ..options.clone()
        },
    )
    .await
    .unwrap();
    let tables: Vec<&str> = both.recommendations.iter().map(|r| r.table.as_str()).collect();
    assert_eq!(tables, ["accounts", "events"]);
    let events = &both.recommendations[1];
    assert!(events.writes.table_rows_written >= 100_000, "{:?}", events.writes);
    assert!(events.writes.read_share < 0.01, "{:?}", events.writes);
    assert!(events.benefit > both.recommendations[0].benefit);
}

/// Costs, benefits and index sizes out of a text report.
fn redact(text: &str) -> String {
    text.lines()
        .map(|line| {
            let split: Vec<&str> = line.split(' ').collect();
            let words: Vec<String> = split
                .iter()
                .enumerate()
                .map(|(i, word)| {
                    let digits = word.trim_matches(|c: char| !c.is_ascii_digit());
                    let numeric =
                        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.');
                    // A size ("about 4 MB;") moves with the statistics too, and so do a table's
                    // reads ("18 read(s)"): the planner probes an index for a join key's
                    // extremes, which counts as a scan.
                    let size = split
                        .get(i + 1)
                        .is_some_and(|next| ["MB;", "kB;", "bytes;", "read(s),"].contains(next));
                    if numeric && (digits.contains('.') || digits.len() > 3 || size) {
                        word.replace(digits, "#")
                    } else {
                        word.to_string()
                    }
                })
                .collect();
            words.join(" ")
        })
        .map(|line| {
            // The reset time and age: "statistics reset at 2026-... (5s ago)".
            match (line.find("statistics reset at "), line.find(" ago)")) {
                (Some(start), Some(end)) if end > start => {
                    let open = start + "statistics reset at ".len();
                    format!("{}TIME{}", &line[..open], &line[end + " ago)".len()..])
                }
                _ => line,
            }
        })
        .map(|line| {
            // Index sizes: "(8192 bytes)", "(1632 kB)".
            match (line.find("since the statistics began ("), line.find(");")) {
                (Some(start), Some(end)) if end > start => {
                    let open = start + "since the statistics began (".len();
                    format!("{}SIZE{}", &line[..open], &line[end..])
                }
                _ => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
