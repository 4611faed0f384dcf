//! The real `migrate up` interrupted: killed with SIGKILL in the middle of a migration, its
//! concurrent index build terminated, or blocked by another session's lock. Each time the database
//! stays at a consistent point, the error is one line, and a rerun completes the work without
//! repeating what was done.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use testkit::TestDb;
use tokio_postgres::Client;

fn command(dir: &Path, database_url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
    command
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env("DATABASE_URL", database_url);
    command
}

fn run(dir: &Path, database_url: &str, args: &[&str]) -> Output {
    let output = command(dir, database_url, args).output().expect("run migrate");
    assert!(
        output.status.success(),
        "migrate {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A migrations directory with the example's initial schema and a hand-written migration whose
/// up.sql is `up`.
fn directory(tmp: &Path, up: &str, down: &str) -> PathBuf {
    let dir = tmp.join("migrations");
    let url = "postgres://unused";
    run(&dir, url, &["generate", "initial"]);
    run(&dir, url, &["generate", "--empty", "slow_backfill"]);
    let mut created: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    created.sort();
    let slow = created.last().unwrap();
    std::fs::write(slow.join("up.sql"), up).unwrap();
    std::fs::write(slow.join("down.sql"), down).unwrap();
    run(&dir, url, &["hash"]);
    dir
}

/// Wait until a backend of `database` other than `admin`'s runs `pg_sleep`.
async fn wait_for_sleep(admin: &Client, database: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sleeping: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                  WHERE datname = $1 AND pid <> pg_backend_pid()
                    AND state = 'active' AND query LIKE '%pg_sleep%'",
                &[&database],
            )
            .await
            .unwrap()
            .get(0);
        if sleeping > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the migration never reached pg_sleep");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Wait until no backend of `database` but `admin`'s remains (the killed runner's sessions end
/// when the server notices the client is gone).
async fn wait_for_orphans(admin: &Client, database: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let others: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&database],
            )
            .await
            .unwrap()
            .get(0);
        if others == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the killed runner's sessions never ended"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn kill(mut child: Child) {
    // `Child::kill` is SIGKILL on Unix: no destructor, no clean-up code runs.
    child.kill().expect("kill migrate");
    let status = child.wait().unwrap();
    assert!(!status.success(), "migrate finished before it was killed");
}

async fn marks(admin: &Client) -> Vec<i32> {
    admin
        .query("SELECT n FROM crash_marks ORDER BY n", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn killed_during_a_non_transactional_migration_the_rerun_resumes_it() {
    let tmp = tempfile::tempdir().unwrap();
    // Each statement commits on its own; the INSERTs are not idempotent, so a rerun that repeated
    // a finished statement would show a duplicate mark.
    let dir = directory(
        tmp.path(),
        "-- migrate:no-transaction\n\
         CREATE TABLE crash_marks (n integer NOT NULL);\n\
         INSERT INTO crash_marks VALUES (1);\n\
         SELECT pg_sleep(2);\n\
         INSERT INTO crash_marks VALUES (2);\n",
        "DROP TABLE crash_marks;\n",
    );
    let db = TestDb::create("crash_units").await;
    let admin = db.connect().await;

    let child = command(&dir, db.url(), &["up"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_sleep(&admin, db.name()).await;
    kill(child);
    wait_for_orphans(&admin, db.name()).await;
    assert_eq!(
        marks(&admin).await,
        [1],
        "the statements before the kill are committed"
    );

    let status = command(&dir, db.url(), &["status"]).output().unwrap();
    let status_text = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(status_text.contains("slow_backfill"), "{status_text}");

    let rerun = run(&dir, db.url(), &["up"]);
    let rerun_text = String::from_utf8_lossy(&rerun.stdout).to_string();
    assert_eq!(
        marks(&admin).await,
        [1, 2],
        "resumed without repeating: {rerun_text}"
    );
    let applied: i64 = admin
        .query_one(
            "SELECT count(*) FROM schema_migrate.schema_migrations WHERE success",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, 2);
    // Nothing left to do.
    run(&dir, db.url(), &["up"]);
    assert_eq!(marks(&admin).await, [1, 2]);
}

#[tokio::test]
async fn killed_during_a_transactional_migration_nothing_of_it_remains() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = directory(
        tmp.path(),
        "CREATE TABLE crash_marks (n integer NOT NULL);\n\
         INSERT INTO crash_marks VALUES (1);\n\
         SELECT pg_sleep(2);\n\
         INSERT INTO crash_marks VALUES (2);\n",
        "DROP TABLE crash_marks;\n",
    );
    let db = TestDb::create("crash_tx").await;
    let admin = db.connect().await;

    let child = command(&dir, db.url(), &["up"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_sleep(&admin, db.name()).await;
    kill(child);
    wait_for_orphans(&admin, db.name()).await;
    let exists: bool = admin
        .query_one("SELECT to_regclass('crash_marks') IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(!exists, "the killed migration's transaction must roll back");
    let versions: Vec<String> = admin
        .query(
            "SELECT version FROM schema_migrate.schema_migrations WHERE success ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        versions.len(),
        1,
        "only the initial migration is applied: {versions:?}"
    );

    run(&dir, db.url(), &["up"]);
    assert_eq!(marks(&admin).await, [1, 2]);
}

/// The pid of a backend of `database` (not `admin`'s) whose query matches `pattern`, once it runs.
async fn wait_for_query(admin: &Client, database: &str, pattern: &str) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let row = admin
            .query_opt(
                "SELECT pid FROM pg_stat_activity
                  WHERE datname = $1 AND pid <> pg_backend_pid()
                    AND state = 'active' AND query LIKE $2
                  LIMIT 1",
                &[&database, &pattern],
            )
            .await
            .unwrap();
        if let Some(row) = row {
            return row.get(0);
        }
        assert!(Instant::now() < deadline, "no backend ever ran {pattern}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn one_line_error(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert_eq!(stderr.lines().count(), 1, "the error must be one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

async fn index_valid(admin: &Client, index: &str) -> Option<bool> {
    admin
        .query_opt(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1",
            &[&index],
        )
        .await
        .unwrap()
        .map(|r| r.get(0))
}

#[tokio::test]
async fn a_terminated_concurrent_index_build_is_rebuilt_by_the_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    // A build slow enough to be caught: an index expression that sleeps 5 ms per row.
    let dir = directory(
        tmp.path(),
        "-- migrate:no-transaction\n\
         CREATE TABLE slow_rows (n integer NOT NULL);\n\
         INSERT INTO slow_rows SELECT generate_series(1, 400);\n\
         CREATE FUNCTION slow_key(n integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE\n\
             AS $$ BEGIN PERFORM pg_sleep(0.005); RETURN n; END $$;\n\
         CREATE INDEX CONCURRENTLY slow_rows_key_idx ON slow_rows (slow_key(n));\n",
        "-- migrate:no-transaction\n\
         DROP INDEX CONCURRENTLY slow_rows_key_idx;\n\
         DROP FUNCTION slow_key(integer);\n\
         DROP TABLE slow_rows;\n",
    );
    let db = TestDb::create("interrupted_index").await;
    let admin = db.connect().await;

    let child = command(&dir, db.url(), &["up"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let builder = wait_for_query(&admin, db.name(), "CREATE INDEX CONCURRENTLY%").await;
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&builder])
        .await
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "a failed statement is a database error"
    );
    let message = one_line_error(&output);
    assert!(message.contains("stopped at step 4 of 4"), "{message}");
    assert!(message.contains("resume at step 4"), "{message}");
    assert_eq!(
        index_valid(&admin, "slow_rows_key_idx").await,
        Some(false),
        "the terminated build leaves an invalid index"
    );

    run(&dir, db.url(), &["up"]);
    assert_eq!(index_valid(&admin, "slow_rows_key_idx").await, Some(true));
    let rows: i64 = admin
        .query_one("SELECT count(*) FROM slow_rows", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 400, "the INSERT before the build was not repeated");
}

#[tokio::test]
async fn a_lock_held_by_another_session_times_out_retries_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = directory(
        tmp.path(),
        "SET LOCAL lock_timeout = '100ms';\n\
         ALTER TABLE organizations ADD COLUMN billing_note text;\n",
        "SET LOCAL lock_timeout = '100ms';\n\
         ALTER TABLE organizations DROP COLUMN billing_note;\n",
    );
    let db = TestDb::create("interrupted_lock").await;
    let admin = db.connect().await;
    run(&dir, db.url(), &["up", "--to", &first_version(&dir)]);

    let blocker = db.connect().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE organizations IN ACCESS SHARE MODE; SELECT 1")
        .await
        .unwrap();
    let started = Instant::now();
    let output = command(&dir, db.url(), &["up"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "a lock timeout after retries is a database error"
    );
    let message = one_line_error(&output);
    assert!(message.contains("lock timeout"), "{message}");
    assert!(message.contains("gave up after"), "{message}");
    assert!(message.contains("still at version"), "{message}");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "each attempt waits for lock_timeout"
    );
    let column: i64 = admin
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'billing_note'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(column, 0, "the database stays at the previous version");
    // Readers were never blocked by the waiting ALTER for longer than its lock_timeout.
    blocker.batch_execute("COMMIT").await.unwrap();

    run(&dir, db.url(), &["up"]);
    let column: i64 = admin
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'billing_note'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(column, 1);
}

fn first_version(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains('_'))
        .collect();
    names.sort();
    names[0].split('_').next().unwrap().to_owned()
}
