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

async fn seeded_example(label: &str) -> TestDb {
    let db = TestDb::create(label).await;
    let (dir, url) = (migrations(), db.url().to_owned());
    tokio::task::spawn_blocking(move || common::run_ok(&dir, &url, &["up"]))
        .await
        .unwrap();
    let client = db.connect().await;
    client.batch_execute(SEED).await.unwrap();
    // Vacuumed, so that autovacuum does not change the plans half-way (index-only scans depend
    // on the visibility map).
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
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
    // Ranked by weighted benefit.
    let benefits: Vec<f64> = advice["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["benefit"].as_f64().unwrap())
        .collect();
    assert!(benefits.windows(2).all(|w| w[0] >= w[1]), "{benefits:?}");
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

/// Costs, benefits and index sizes out of a text report.
fn redact(text: &str) -> String {
    text.lines()
        .map(|line| {
            let words: Vec<String> = line
                .split(' ')
                .map(|word| {
                    let digits = word.trim_matches(|c: char| !c.is_ascii_digit());
                    let numeric =
                        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.');
                    if numeric && (digits.contains('.') || digits.len() > 3) {
                        word.replace(digits, "#")
                    } else {
                        word.to_owned()
                    }
                })
                .collect();
            words.join(" ")
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
