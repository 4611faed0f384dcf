//! The migration runner, on a real database: each test creates its own.

use std::path::PathBuf;
use std::time::Duration;

use schema_core::model::Schema;
use schema_migrate::apply::ApplyOptions;
use schema_migrate::migrations::{Migration, NO_TRANSACTION_MARKER, Snapshot, checksum};
use schema_migrate::runner::{self, Applied, DownTarget, RunError, State};
use testkit::TestDb;
use tokio_postgres::Client;

fn migration(version: &str, description: &str, up: &str, down: &str) -> Migration {
    let snapshot = Schema::default();
    let json = snapshot.to_json();
    Migration {
        version: version.to_owned(),
        description: description.to_owned(),
        path: PathBuf::from(format!("migrations/{version}_{description}")),
        up: up.to_owned(),
        down: down.to_owned(),
        checksum: checksum(up.as_bytes(), down.as_bytes(), json.as_bytes()),
        snapshot: Snapshot::from_schema(snapshot),
    }
}

fn no_tx(script: &str) -> String {
    format!("{NO_TRANSACTION_MARKER}\n{script}")
}

fn three() -> Vec<Migration> {
    vec![
        migration(
            "20240101000000",
            "create_a",
            "CREATE TABLE a (id int);",
            "DROP TABLE a;",
        ),
        migration(
            "20240102000000",
            "create_b",
            "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);",
            "DROP TABLE b;",
        ),
        migration(
            "20240103000000",
            "create_c",
            "CREATE TABLE c (id int);",
            "DROP TABLE c;",
        ),
    ]
}

fn options() -> ApplyOptions {
    ApplyOptions {
        lock_retries: 2,
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        ..ApplyOptions::default()
    }
}

async fn history(client: &Client) -> Vec<Applied> {
    runner::history(client).await.unwrap()
}

async fn versions(client: &Client) -> Vec<String> {
    history(client).await.into_iter().map(|row| row.version).collect()
}

async fn table_exists(client: &Client, table: &str) -> bool {
    client
        .query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&table])
        .await
        .unwrap()
        .get(0)
}

async fn index_valid(client: &Client, index: &str) -> Option<bool> {
    client
        .query_opt(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1",
            &[&index],
        )
        .await
        .unwrap()
        .map(|row| row.get(0))
}

#[tokio::test]
async fn up_applies_everything_and_records_history() {
    let db = TestDb::create("runner_up").await;
    let client = db.connect().await;
    assert!(history(&client).await.is_empty(), "no history table yet: empty");
    let migrations = three();

    let applied = runner::up(db.url(), &migrations, None, &options()).await.unwrap();
    assert_eq!(applied, ["20240101000000", "20240102000000", "20240103000000"]);
    for table in ["a", "b", "c"] {
        assert!(table_exists(&client, table).await, "{table}");
    }
    let rows = history(&client).await;
    assert_eq!(rows.len(), 3);
    for (row, migration) in rows.iter().zip(&migrations) {
        assert_eq!(row.version, migration.version);
        assert_eq!(row.description, migration.description);
        assert_eq!(row.checksum, migration.checksum);
        assert!(row.success);
        assert_eq!(row.error, None);
        assert!(row.execution_ms >= 0);
        time::OffsetDateTime::parse(&row.applied_at, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("applied_at {} is RFC 3339: {e}", row.applied_at));
    }

    // Nothing left to do.
    assert!(
        runner::up(db.url(), &migrations, None, &options())
            .await
            .unwrap()
            .is_empty()
    );
    // A new migration is applied on its own.
    let mut more = migrations.clone();
    more.push(migration(
        "20240104000000",
        "create_d",
        "CREATE TABLE d ();",
        "DROP TABLE d;",
    ));
    assert_eq!(
        runner::up(db.url(), &more, None, &options()).await.unwrap(),
        ["20240104000000"]
    );
}

#[tokio::test]
async fn up_to_a_version() {
    let db = TestDb::create("runner_up_to").await;
    let client = db.connect().await;
    let migrations = three();
    let applied = runner::up(db.url(), &migrations, Some("20240102000000"), &options())
        .await
        .unwrap();
    assert_eq!(applied, ["20240101000000", "20240102000000"]);
    assert!(!table_exists(&client, "c").await);

    let error = runner::up(db.url(), &migrations, Some("20991231000000"), &options())
        .await
        .unwrap_err();
    assert!(matches!(error, RunError::UnknownVersion { .. }), "{error}");
    assert!(error.to_string().contains("20991231000000"), "{error}");

    let applied = runner::up(db.url(), &migrations, Some("20240103000000"), &options())
        .await
        .unwrap();
    assert_eq!(applied, ["20240103000000"]);
}

#[tokio::test]
async fn status_reports_every_state() {
    let db = TestDb::create("runner_status").await;
    let client = db.connect().await;
    let mut migrations = three();
    let statuses = runner::status(&client, &migrations).await.unwrap();
    assert!(
        statuses
            .iter()
            .all(|s| s.state == State::Pending && s.applied.is_none())
    );

    runner::up(db.url(), &migrations, Some("20240102000000"), &options())
        .await
        .unwrap();
    let states: Vec<State> = runner::status(&client, &migrations)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(states, [State::Applied, State::Applied, State::Pending]);

    // An interrupted non-transactional migration.
    migrations[2] = migration(
        "20240103000000",
        "create_c",
        &no_tx("CREATE TABLE c ();\nINSERT INTO missing VALUES (1);"),
        "DROP TABLE c;",
    );
    runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    // An edited one, and one whose files are gone.
    migrations[0].up.push_str("\n-- edited");
    migrations[0].checksum = "edited".to_owned();
    let removed = migrations.remove(1);

    let statuses = runner::status(&client, &migrations).await.unwrap();
    let summary: Vec<(&str, State)> = statuses
        .iter()
        .map(|s| (s.version.as_str(), s.state.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("20240101000000", State::ChecksumMismatch),
            ("20240103000000", State::Failed),
            ("20240102000000", State::MissingFile),
        ]
    );
    assert_eq!(statuses[2].description, removed.description);
    let failed = statuses[1].applied.as_ref().unwrap();
    assert!(!failed.success);
    assert_eq!(failed.steps_done, 1);
    assert!(failed.error.as_deref().unwrap().contains("missing"), "{failed:?}");
    let json = serde_json::to_value(&statuses).unwrap();
    assert_eq!(json[0]["state"], "checksum_mismatch");
    assert_eq!(json[2]["state"], "missing_file");
}

#[tokio::test]
async fn down_by_steps_and_to_a_version() {
    let db = TestDb::create("runner_down").await;
    let client = db.connect().await;
    let migrations = three();
    runner::up(db.url(), &migrations, None, &options()).await.unwrap();

    let reverted = runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
        .await
        .unwrap();
    assert_eq!(reverted, ["20240103000000"]);
    assert!(!table_exists(&client, "c").await);
    assert_eq!(versions(&client).await, ["20240101000000", "20240102000000"]);

    runner::up(db.url(), &migrations, None, &options()).await.unwrap();
    let reverted = runner::down(
        db.url(),
        &migrations,
        DownTarget::To("20240101000000".into()),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(reverted, ["20240103000000", "20240102000000"]);
    assert!(table_exists(&client, "a").await);
    assert!(!table_exists(&client, "b").await);
    assert_eq!(versions(&client).await, ["20240101000000"]);

    let error = runner::down(
        db.url(),
        &migrations,
        DownTarget::To("20000101000000".into()),
        &options(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, RunError::UnknownVersion { .. }), "{error}");

    let reverted = runner::down(db.url(), &migrations, DownTarget::Steps(5), &options())
        .await
        .unwrap();
    assert_eq!(reverted, ["20240101000000"]);
    assert!(versions(&client).await.is_empty());
    assert!(
        runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_failing_transactional_migration_leaves_the_previous_version() {
    let db = TestDb::create("runner_tx_fail").await;
    let client = db.connect().await;
    let migrations = vec![
        migration(
            "20240101000000",
            "create_a",
            "CREATE TABLE a (id int);",
            "DROP TABLE a;",
        ),
        migration(
            "20240102000000",
            "broken",
            "CREATE TABLE b (id int);\nINSERT INTO a VALUES (1);\nSELECT 1 / 0;\n",
            "DROP TABLE b;",
        ),
        migration(
            "20240103000000",
            "create_c",
            "CREATE TABLE c (id int);",
            "DROP TABLE c;",
        ),
    ];
    let error = runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    let RunError::Failed {
        version, previous, ..
    } = &error
    else {
        panic!("expected Failed, got {error}");
    };
    assert_eq!(version, "20240102000000");
    assert_eq!(previous.as_deref(), Some("20240101000000"));
    let message = error.to_string();
    assert!(message.contains("division by zero"), "{message}");
    assert!(
        message.contains("the database is still at version 20240101000000"),
        "{message}"
    );

    assert!(!table_exists(&client, "b").await);
    assert!(!table_exists(&client, "c").await);
    let count: i64 = client
        .query_one("SELECT count(*) FROM a", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 0);
    assert_eq!(versions(&client).await, ["20240101000000"]);

    // A syntax error names its line.
    let typo = vec![migration(
        "20240101000000",
        "typo",
        "CREATE TABLE x ();\nCREAT TABLE y ();\n",
        "",
    )];
    let db_typo = TestDb::create("runner_tx_typo").await;
    let error = runner::up(db_typo.url(), &typo, None, &options())
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("syntax error at or near \"CREAT\" (at up.sql line 2)"),
        "{error}"
    );

    // The first migration failing: no version at all.
    let db = TestDb::create("runner_tx_fail_first").await;
    let error = runner::up(db.url(), &migrations[1..], None, &options())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("still at version none"), "{error}");
}

#[tokio::test]
async fn a_transactional_script_cannot_control_transactions() {
    let db = TestDb::create("runner_tx_control").await;
    let migrations = vec![migration(
        "20240101000000",
        "commits",
        "CREATE TABLE a ();\nCOMMIT;",
        "",
    )];
    let error = runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    assert!(matches!(error, RunError::BadScript { .. }), "{error}");
    assert!(error.to_string().contains(NO_TRANSACTION_MARKER), "{error}");

    let migrations = vec![migration(
        "20240101000000",
        "concurrently",
        "CREATE TABLE a (x int);\nCREATE INDEX CONCURRENTLY a_x ON a (x);",
        "",
    )];
    let error = runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("cannot run inside a transaction block"),
        "{message}"
    );
    assert!(message.contains(NO_TRANSACTION_MARKER), "{message}");
    assert!(versions(&db.connect().await).await.is_empty());
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let db = TestDb::create("runner_checksum").await;
    let client = db.connect().await;
    let mut migrations = three();
    runner::up(db.url(), &migrations, Some("20240102000000"), &options())
        .await
        .unwrap();

    migrations[1] = migration(
        "20240102000000",
        "create_b",
        "CREATE TABLE b (id bigint);",
        "DROP TABLE b;",
    );
    for result in [
        runner::up(db.url(), &migrations, None, &options()).await,
        runner::down(db.url(), &migrations, DownTarget::Steps(1), &options()).await,
    ] {
        let error = result.unwrap_err();
        let RunError::ChecksumMismatch { version, .. } = &error else {
            panic!("expected ChecksumMismatch, got {error}");
        };
        assert_eq!(version, "20240102000000");
        let message = error.to_string();
        assert!(message.contains("was edited after it was applied"), "{message}");
        assert!(message.contains("git checkout"), "{message}");
        assert!(message.contains("new migration"), "{message}");
    }
    // Nothing ran.
    assert!(!table_exists(&client, "c").await);
    assert!(table_exists(&client, "b").await);
}

#[tokio::test]
async fn a_migration_without_files_is_refused() {
    let db = TestDb::create("runner_missing").await;
    let client = db.connect().await;
    let mut migrations = three();
    runner::up(db.url(), &migrations, Some("20240102000000"), &options())
        .await
        .unwrap();
    migrations.remove(1);
    for result in [
        runner::up(db.url(), &migrations, None, &options()).await,
        runner::down(db.url(), &migrations, DownTarget::Steps(1), &options()).await,
    ] {
        let error = result.unwrap_err();
        assert!(matches!(error, RunError::MissingFile { .. }), "{error}");
        let message = error.to_string();
        assert!(message.contains("20240102000000_create_b"), "{message}");
        assert!(
            message.contains("migrate resolve 20240102000000 --rolled-back"),
            "{message}"
        );
    }
    assert!(!table_exists(&client, "c").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_runners_apply_each_migration_once() {
    let db = TestDb::create("runner_concurrent").await;
    let client = db.connect().await;
    let mut migrations = three();
    migrations.push(migration(
        "20240104000000",
        "slow",
        "SELECT pg_sleep(0.3);\nCREATE TABLE slow (id int);",
        "DROP TABLE slow;",
    ));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let url = db.url().to_owned();
            let migrations = migrations.clone();
            tokio::spawn(async move { runner::up(&url, &migrations, None, &ApplyOptions::default()).await })
        })
        .collect();
    let mut applied = Vec::new();
    let mut idle = 0;
    for task in tasks {
        let versions = task
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("a runner failed: {e}"));
        if versions.is_empty() {
            idle += 1;
        }
        applied.extend(versions);
    }
    applied.sort();
    assert_eq!(
        applied,
        [
            "20240101000000",
            "20240102000000",
            "20240103000000",
            "20240104000000"
        ]
    );
    assert_eq!(
        idle, 5,
        "one runner applies everything, the others find nothing to do"
    );
    let count: i64 = client
        .query_one(
            "SELECT count(*) FROM schema_migrate.schema_migrations WHERE success",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 4);
    let rows: i64 = client
        .query_one("SELECT count(*) FROM b", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1, "the INSERT ran once");
    // The advisory lock was released by every runner.
    let held: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = ($1 & 4294967295)::oid",
            &[&runner::LOCK_KEY],
        )
        .await
        .unwrap()
        .get(0);
    assert!(held <= 1, "a closing session may still show for a moment: {held}");
}

#[tokio::test]
async fn a_non_transactional_migration_builds_an_index_concurrently() {
    let db = TestDb::create("runner_concurrently").await;
    let client = db.connect().await;
    let migrations = vec![
        migration(
            "20240101000000",
            "create_t",
            "CREATE TABLE t (id int, email text);",
            "DROP TABLE t;",
        ),
        migration(
            "20240102000000",
            "index_email",
            &no_tx(
                "SET lock_timeout = '5s';\n\
                 CREATE INDEX CONCURRENTLY t_email ON t (email);\n\
                 BEGIN;\nCOMMENT ON INDEX t_email IS 'by email';\nCOMMIT;\n\
                 RESET lock_timeout;\n",
            ),
            &no_tx("DROP INDEX CONCURRENTLY t_email;"),
        ),
    ];
    runner::up(db.url(), &migrations, None, &options()).await.unwrap();
    assert_eq!(index_valid(&client, "t_email").await, Some(true));
    let row = history(&client).await.pop().unwrap();
    assert!(row.success);
    assert_eq!(row.steps_done, 4);
    assert_eq!(row.error, None);

    let reverted = runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
        .await
        .unwrap();
    assert_eq!(reverted, ["20240102000000"]);
    assert_eq!(index_valid(&client, "t_email").await, None);
    assert_eq!(versions(&client).await, ["20240101000000"]);
}

#[tokio::test]
async fn an_interrupted_migration_resumes_where_it_stopped() {
    let db = TestDb::create("runner_resume").await;
    let client = db.connect().await;
    let migrations = vec![migration(
        "20240101000000",
        "resumable",
        &no_tx(
            "SET lock_timeout = '123ms';\n\
             CREATE TABLE first_unit (id int);\n\
             INSERT INTO later_table VALUES (1);\n\
             DO $$ BEGIN\n\
               IF current_setting('lock_timeout') <> '123ms' THEN\n\
                 RAISE EXCEPTION 'lock_timeout is %, not 123ms', current_setting('lock_timeout');\n\
               END IF;\n\
             END $$;\n",
        ),
        "DROP TABLE first_unit;",
    )];
    let error = runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    let RunError::Interrupted {
        steps_done,
        steps_total,
        ..
    } = &error
    else {
        panic!("expected Interrupted, got {error}");
    };
    assert_eq!((*steps_done, *steps_total), (2, 4));
    let message = error.to_string();
    assert!(message.contains("later_table"), "{message}");
    assert!(message.contains("resume at step 3"), "{message}");
    let row = history(&client).await.pop().unwrap();
    assert!(!row.success);
    assert_eq!(row.steps_done, 2);
    assert!(row.error.as_deref().unwrap().contains("later_table"), "{row:?}");
    // Session settings do not outlive the migration.
    let status = runner::status(&client, &migrations).await.unwrap();
    assert_eq!(status[0].state, State::Failed);
    // Reverting it is refused until it is finished.
    let error = runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
        .await
        .unwrap_err();
    assert!(matches!(error, RunError::NotFinished { .. }), "{error}");

    // Fix the cause by hand, then run again: CREATE TABLE first_unit would fail if it ran twice.
    client
        .batch_execute("CREATE TABLE later_table (id int)")
        .await
        .unwrap();
    let applied = runner::up(db.url(), &migrations, None, &options()).await.unwrap();
    assert_eq!(applied, ["20240101000000"]);
    let count: i64 = client
        .query_one("SELECT count(*) FROM later_table", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
    let row = history(&client).await.pop().unwrap();
    assert!(row.success);
    assert_eq!(row.steps_done, 4);
    assert_eq!(row.error, None);
    assert!(
        runner::up(db.url(), &migrations, None, &options())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_interrupted_migration_whose_files_changed_is_refused() {
    let db = TestDb::create("runner_resume_edited").await;
    let mut migrations = vec![migration(
        "20240101000000",
        "resumable",
        &no_tx("CREATE TABLE first_unit (id int);\nINSERT INTO later_table VALUES (1);"),
        "DROP TABLE first_unit;",
    )];
    runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    migrations[0] = migration(
        "20240101000000",
        "resumable",
        &no_tx("CREATE TABLE first_unit (id int);\nSELECT 1;"),
        "DROP TABLE first_unit;",
    );
    let error = runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    assert!(
        matches!(error, RunError::InterruptedEdited { steps_done: 1, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("restore its files"), "{message}");
    assert!(
        message.contains("migrate resolve 20240101000000 --rolled-back"),
        "{message}"
    );
    assert!(message.contains("migrate repair --update-checksums"), "{message}");
}

#[tokio::test]
async fn an_invalid_index_from_a_failed_build_is_dropped_and_rebuilt() {
    let db = TestDb::create("runner_invalid_index").await;
    let client = db.connect().await;
    client
        .batch_execute(
            "CREATE TABLE u (id int, email text); INSERT INTO u VALUES (1, 'a'), (2, 'a'), (3, 'b');",
        )
        .await
        .unwrap();
    let migrations = vec![migration(
        "20240101000000",
        "unique_email",
        &no_tx("CREATE UNIQUE INDEX CONCURRENTLY u_email_key ON public.u (email);"),
        &no_tx("DROP INDEX CONCURRENTLY u_email_key;"),
    )];
    let error = runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    assert!(
        matches!(error, RunError::Interrupted { steps_done: 0, .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("could not create unique index"),
        "{error}"
    );
    assert_eq!(
        index_valid(&client, "u_email_key").await,
        Some(false),
        "the failed build left an invalid index"
    );

    client.batch_execute("DELETE FROM u WHERE id = 2").await.unwrap();
    runner::up(db.url(), &migrations, None, &options()).await.unwrap();
    assert_eq!(index_valid(&client, "u_email_key").await, Some(true));
    let duplicate = client.batch_execute("INSERT INTO u VALUES (4, 'b')").await;
    assert!(duplicate.is_err(), "the index is unique and in use");
}

#[tokio::test]
async fn a_lock_timeout_is_retried_then_reported() {
    let db = TestDb::create("runner_lock_timeout").await;
    let client = db.connect().await;
    client.batch_execute("CREATE TABLE t (id int)").await.unwrap();
    let blocker = db.connect().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();

    let migrations = vec![migration(
        "20240101000000",
        "add_column",
        &no_tx("SET lock_timeout = '100ms';\nALTER TABLE t ADD COLUMN x int;"),
        "ALTER TABLE t DROP COLUMN x;",
    )];
    let started = std::time::Instant::now();
    let error = runner::up(db.url(), &migrations, None, &options())
        .await
        .unwrap_err();
    let RunError::LockTimeout { attempts, .. } = &error else {
        panic!("expected LockTimeout, got {error}");
    };
    assert_eq!(*attempts, 3, "the first attempt and lock_retries = 2 retries");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "each attempt waited for lock_timeout"
    );
    let message = error.to_string();
    assert!(message.contains("lock timeout"), "{message}");
    assert!(message.contains("gave up after 3 attempt(s)"), "{message}");
    assert!(message.contains("ALTER TABLE t ADD COLUMN x int"), "{message}");
    let row = history(&client).await.pop().unwrap();
    assert!(!row.success);
    assert_eq!(row.steps_done, 1);
    assert!(row.error.as_deref().unwrap().contains("lock timeout"), "{row:?}");

    // A transactional migration gives up the same way and leaves nothing behind.
    let db2 = TestDb::create("runner_lock_timeout_tx").await;
    db2.connect()
        .await
        .batch_execute("CREATE TABLE t (id int)")
        .await
        .unwrap();
    let blocker2 = db2.connect().await;
    blocker2
        .batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let tx = vec![migration(
        "20240101000000",
        "add_column",
        "SET LOCAL lock_timeout = '100ms';\nCREATE TABLE other ();\nALTER TABLE t ADD COLUMN x int;",
        "",
    )];
    let error = runner::up(db2.url(), &tx, None, &options()).await.unwrap_err();
    assert!(
        matches!(error, RunError::LockTimeout { attempts: 3, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("still at version none"), "{error}");
    drop(blocker2);

    // Once the lock is released, the next run succeeds.
    blocker.batch_execute("COMMIT").await.unwrap();
    assert_eq!(
        runner::up(db.url(), &migrations, None, &options()).await.unwrap(),
        ["20240101000000"]
    );
    let row = history(&client).await.pop().unwrap();
    assert!(row.success);
    assert_eq!(row.error, None);
    client.batch_execute("SELECT x FROM t").await.unwrap();
}

#[tokio::test]
async fn settings_a_migration_makes_do_not_leak_into_the_next() {
    let db = TestDb::create("runner_reset").await;
    let migrations = vec![
        migration("20240101000000", "sets", "SET statement_timeout = '1ms';", ""),
        migration("20240102000000", "sleeps", "SELECT pg_sleep(0.05);", ""),
        migration(
            "20240103000000",
            "sets_no_tx",
            &no_tx("SET statement_timeout = '1ms';"),
            "",
        ),
        migration("20240104000000", "sleeps_again", "SELECT pg_sleep(0.05);", ""),
    ];
    runner::up(db.url(), &migrations, None, &options()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_runner_holds_no_snapshot_that_an_index_build_waits_for() {
    let db = TestDb::create("runner_no_snapshot").await;
    let holder = db.connect().await;
    holder
        .batch_execute("CREATE TABLE t (v int); INSERT INTO t SELECT generate_series(1, 1000)")
        .await
        .unwrap();
    let key = runner::LOCK_KEY;
    let got: bool = holder
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .await
        .unwrap()
        .get(0);
    assert!(got);
    // A runner waits for the lock that `holder` keeps.
    let url = db.url().to_owned();
    let waiting = tokio::spawn(async move {
        let options = ApplyOptions {
            lock_wait: Duration::from_secs(30),
            ..options()
        };
        runner::up(&url, &three(), None, &options).await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The lock holder builds an index concurrently: it must not wait for the waiting runner.
    holder.batch_execute("SET lock_timeout = '5s'").await.unwrap();
    holder
        .batch_execute("CREATE INDEX CONCURRENTLY t_v ON t (v)")
        .await
        .expect("the index build waited for the waiting runner's snapshot");
    assert!(!waiting.is_finished(), "the runner did not wait for the lock");
    holder
        .batch_execute("SELECT pg_advisory_unlock_all()")
        .await
        .unwrap();
    let applied = waiting.await.unwrap().unwrap();
    assert_eq!(applied.len(), 3);
}

#[tokio::test]
async fn a_lock_not_granted_in_time_names_its_holder() {
    let db = TestDb::create("runner_lock_wait").await;
    let holder = db.connect().await;
    let pid: i32 = holder
        .query_one(
            "SELECT pg_backend_pid() FROM (SELECT pg_advisory_lock($1)) AS l",
            &[&runner::LOCK_KEY],
        )
        .await
        .unwrap()
        .get(0);
    let options = ApplyOptions {
        lock_wait: Duration::from_millis(600),
        ..options()
    };
    let error = runner::up(db.url(), &three(), None, &options).await.unwrap_err();
    assert!(matches!(error, RunError::LockWait { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(&format!("session {pid}")), "{message}");
    assert!(message.contains("--lock-wait"), "{message}");
    assert!(message.contains("nothing was applied"), "{message}");
    let client = db.connect().await;
    assert!(!table_exists(&client, "a").await);
}

#[tokio::test]
async fn a_history_table_from_before_revert_progress_is_upgraded() {
    let db = TestDb::create("runner_old_history").await;
    let client = db.connect().await;
    let migrations = three();
    client
        .batch_execute(&format!(
            "CREATE TABLE schema_migrations (version text PRIMARY KEY, description text NOT NULL, \
             checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), execution_ms bigint NOT NULL DEFAULT 0, \
             success boolean NOT NULL, steps_done integer NOT NULL DEFAULT 0, error text); \
             CREATE TABLE a (id int); \
             INSERT INTO schema_migrations (version, description, checksum, success, steps_done) \
             VALUES ('20240101000000', 'create_a', '{}', true, 1)",
            migrations[0].checksum
        ))
        .await
        .unwrap();
    // Read before the upgrade (status, check --database) and after it.
    let statuses = runner::status(&client, &migrations).await.unwrap();
    assert_eq!(statuses[0].state, State::Applied);
    let applied = runner::up(db.url(), &migrations, None, &options()).await.unwrap();
    assert_eq!(applied, ["20240102000000", "20240103000000"]);
    // The run moved the history, its rows with it, into the tool's own schema.
    let place: Vec<String> = client
        .query(
            "SELECT schemaname::text FROM pg_tables WHERE tablename = 'schema_migrations'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(place, ["schema_migrate"]);
    assert_eq!(versions(&client).await.len(), 3);
    let reverted = runner::down(db.url(), &migrations, DownTarget::Steps(3), &options())
        .await
        .unwrap();
    assert_eq!(reverted.len(), 3);
    assert!(versions(&client).await.is_empty());
}

#[tokio::test]
async fn a_rails_history_table_is_left_to_the_application() {
    let db = TestDb::create("runner_rails_history").await;
    let client = db.connect().await;
    client
        .batch_execute(
            "CREATE TABLE schema_migrations (version varchar PRIMARY KEY); \
             INSERT INTO schema_migrations VALUES ('20200101000000')",
        )
        .await
        .unwrap();
    let migrations = three();
    assert!(versions(&client).await.is_empty());
    let applied = runner::up(db.url(), &migrations, None, &options()).await.unwrap();
    assert_eq!(applied.len(), 3);
    assert_eq!(versions(&client).await.len(), 3);
    let rails: Vec<String> = client
        .query("SELECT version::text FROM public.schema_migrations", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(rails, ["20200101000000"]);
}

/// The schemas a throwaway database reads back as each of `steps` runs on it in turn.
async fn shapes_of(name: &str, steps: &[&str]) -> Vec<Schema> {
    use schema_migrate::inspect::{InspectOptions, inspect};
    let db = TestDb::create(name).await;
    let client = db.connect().await;
    let mut shapes = Vec::new();
    for step in steps {
        client.batch_execute(step).await.unwrap();
        shapes.push(inspect(&client, &InspectOptions::default()).await.unwrap().schema);
    }
    shapes
}

/// A migration whose files are `plan`'s for `from` → `to`, with `to` as its snapshot.
fn planned(version: &str, description: &str, from: &Schema, to: &Schema) -> Migration {
    use schema_core::Renames;
    use schema_migrate::plan::{PlanOptions, plan};
    let options = PlanOptions {
        allow_destructive: true,
        fast: true,
        ..PlanOptions::default()
    };
    let steps = plan(from, to, &Renames::default(), &options).unwrap();
    // The scripts hold their own BEGIN ... COMMIT.
    let (up, down) = (no_tx(&steps.up_script()), no_tx(&steps.down_script()));
    let json = to.to_json();
    Migration {
        version: version.to_owned(),
        description: description.to_owned(),
        path: PathBuf::from(format!("migrations/{version}_{description}")),
        checksum: checksum(up.as_bytes(), down.as_bytes(), json.as_bytes()),
        up,
        down,
        snapshot: Snapshot::from_schema(to.clone()),
    }
}

/// After a migration that drops table `t` is applied, an object the migrations do not hold takes
/// the name `t` (a view made by hand, a composite type). `down` reads the database again and
/// refuses before running anything, naming the migration, the name and what holds it; once the
/// object is gone, the same down runs.
#[tokio::test]
async fn down_refuses_to_take_a_name_an_object_not_in_the_migrations_holds() {
    use schema_migrate::inspect::{InspectOptions, inspect};
    let shapes = shapes_of(
        "runner_down_collides_shape",
        &["CREATE TABLE keep (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, n int);"],
    )
    .await;
    let with_t = &shapes[0];
    let mut without_t = with_t.clone();
    without_t.tables.retain(|t| t.name != "t");
    let migrations = vec![
        planned("20240101000000", "create", &Schema::default(), with_t),
        planned("20240102000000", "drop_t", with_t, &without_t),
    ];
    assert!(migrations[1].up.contains("DROP TABLE"), "{}", migrations[1].up);

    let db = TestDb::create("runner_down_collides").await;
    let client = db.connect().await;
    let cases = [
        (
            "CREATE VIEW t AS SELECT 1 AS one",
            "DROP VIEW t",
            "t is a view in the database",
        ),
        (
            "CREATE TYPE t AS (a int)",
            "DROP TYPE t",
            "t is a composite type in the database",
        ),
        (
            "CREATE SEQUENCE t",
            "DROP SEQUENCE t",
            "t is a sequence in the database",
        ),
    ];
    for (create, drop, holder) in cases {
        runner::up(db.url(), &migrations, None, &options()).await.unwrap();
        assert!(!table_exists(&client, "t").await);
        client.batch_execute(create).await.unwrap();
        let before = inspect(&client, &InspectOptions::default()).await.unwrap();

        let error = runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, RunError::DownCollides { .. }), "{message}");
        assert!(
            message.contains("20240102000000_drop_t: the down of drop table t") && message.contains(holder),
            "{message}"
        );
        assert!(message.contains("nothing was reverted"), "{message}");
        assert!(message.contains("then run `migrate down` again"), "{message}");
        assert!(!message.contains('\n'), "one line: {message}");
        // Nothing ran: the history and the database are as they were.
        assert_eq!(versions(&client).await, ["20240101000000", "20240102000000"]);
        let after = inspect(&client, &InspectOptions::default()).await.unwrap();
        assert_eq!(after, before);

        // Reverting both is refused too, before the newer one's down runs.
        let error = runner::down(db.url(), &migrations, DownTarget::Steps(2), &options())
            .await
            .unwrap_err();
        assert!(matches!(error, RunError::DownCollides { .. }), "{error}");
        assert_eq!(versions(&client).await.len(), 2);

        // Once the object is gone, the down runs and `t` is a table again.
        client.batch_execute(drop).await.unwrap();
        let reverted = runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
            .await
            .unwrap();
        assert_eq!(reverted, ["20240102000000"]);
        assert!(table_exists(&client, "t").await);
        runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
            .await
            .unwrap();
        assert!(!table_exists(&client, "t").await && !table_exists(&client, "keep").await);
    }
}

/// A down resumed part way is finished, and the downs after it are checked once it is: an object
/// the migrations do not hold that took a name while the down stood interrupted is refused
/// before the next down runs, and the refusal says what was finished.
#[tokio::test]
async fn the_downs_after_one_resumed_part_way_are_checked_before_they_run() {
    let shapes = shapes_of(
        "runner_resumed_collides_shape",
        &[
            "CREATE TABLE keep (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, n int);",
            "DROP TABLE t; CREATE TABLE extra_a (id int); CREATE TABLE extra_b (id int);",
        ],
    )
    .await;
    let (with_t, with_extras) = (shapes[0].clone(), shapes[1].clone());
    let mut without_t = with_t.clone();
    without_t.tables.retain(|t| t.name != "t");
    // The third migration's down runs statement by statement; its second statement fails the
    // first time (no table `gate` yet), leaving it reverted part way.
    let up = no_tx("CREATE TABLE extra_a (id int);\nCREATE TABLE extra_b (id int);\n");
    let down = no_tx("DROP TABLE extra_b;\nINSERT INTO gate VALUES (1);\nDROP TABLE extra_a;\n");
    let json = with_extras.to_json();
    let third = Migration {
        version: "20240103000000".to_owned(),
        description: "extras".to_owned(),
        path: PathBuf::from("migrations/20240103000000_extras"),
        checksum: checksum(up.as_bytes(), down.as_bytes(), json.as_bytes()),
        up,
        down,
        snapshot: Snapshot::from_schema(with_extras.clone()),
    };
    let migrations = vec![
        planned("20240101000000", "create", &Schema::default(), &with_t),
        planned("20240102000000", "drop_t", &with_t, &without_t),
        third,
    ];

    let db = TestDb::create("runner_resumed_collides").await;
    let client = db.connect().await;
    runner::up(db.url(), &migrations, None, &options()).await.unwrap();
    let error = runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
        .await
        .unwrap_err();
    assert!(matches!(error, RunError::RevertInterrupted { .. }), "{error}");
    assert_eq!(history(&client).await.pop().unwrap().down_steps_done, Some(1));

    // While it stands interrupted, a view takes `t`, which the second migration's down creates;
    // the cause of the interruption is fixed.
    client
        .batch_execute("CREATE VIEW t AS SELECT 1 AS one; CREATE TABLE gate (id int);")
        .await
        .unwrap();
    let error = runner::down(db.url(), &migrations, DownTarget::Steps(2), &options())
        .await
        .unwrap_err();
    let message = error.to_string();
    let RunError::DownCollides { reverted, .. } = &error else {
        panic!("expected DownCollides, got {message}");
    };
    assert_eq!(reverted, &["20240103000000"]);
    assert!(
        message.contains("20240102000000_drop_t: the down of drop table t")
            && message.contains("t is a view"),
        "{message}"
    );
    assert!(
        message.contains("only the down resumed part way was finished (20240103000000)"),
        "{message}"
    );
    assert!(!message.contains('\n'), "one line: {message}");
    // The resumed down is finished, the second migration untouched, the view kept.
    assert_eq!(versions(&client).await, ["20240101000000", "20240102000000"]);
    assert!(!table_exists(&client, "extra_a").await);
    let kind: String = client
        .query_one("SELECT relkind::text FROM pg_class WHERE relname = 't'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kind, "v");

    // Once the view is gone, the rest of the down runs.
    client.batch_execute("DROP VIEW t").await.unwrap();
    let reverted = runner::down(db.url(), &migrations, DownTarget::Steps(1), &options())
        .await
        .unwrap();
    assert_eq!(reverted, ["20240102000000"]);
    assert!(table_exists(&client, "t").await);
}
