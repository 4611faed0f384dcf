//! The real `migrate` binary in the states that need a person: a failed revert resumed, a failed
//! migration whose file must change, hand fixes recorded with `resolve`, edits accepted with
//! `repair`; the guards `up` and `down` share with `check`; timeouts; and passwords, which never
//! reach output in any form.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{hand_written, migrate, text};
use testkit::TestDb;
use tokio_postgres::Client;

fn run(dir: &Path, url: &str, args: &[&str]) -> Output {
    migrate(dir, url, args).output().expect("run migrate")
}

fn assert_code(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", text(output));
}

fn one_line_error(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

async fn counter(client: &Client, name: &str) -> i32 {
    client
        .query_one("SELECT n FROM counters WHERE name = $1", &[&name])
        .await
        .unwrap()
        .get(0)
}

fn setup() -> (String, String) {
    (
        "CREATE TABLE counters (name text PRIMARY KEY, n integer NOT NULL DEFAULT 0);\n\
         INSERT INTO counters (name) VALUES ('u1'), ('u2'), ('d1'), ('d2');\n\
         CREATE TABLE gate (n integer NOT NULL);\nINSERT INTO gate VALUES (0);\n"
            .to_owned(),
        "DROP TABLE gate;\nDROP TABLE counters;\n".to_owned(),
    )
}

#[tokio::test]
async fn a_failed_revert_resumes_where_it_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    // Step 2 of down.sql divides by the gate: it fails until the gate opens.
    let versions = hand_written(
        &dir,
        &[
            setup(),
            (
                "UPDATE counters SET n = n + 1 WHERE name = 'u1';\n".to_owned(),
                "-- migrate:no-transaction\nUPDATE counters SET n = n + 1 WHERE name = 'd1';\n\
                 UPDATE counters SET n = n + 1 / (SELECT n FROM gate) WHERE name = 'd2';\n"
                    .to_owned(),
            ),
        ],
    );
    let db = TestDb::create("revert_resumes").await;
    let client = db.connect().await;
    assert_code(&run(&dir, db.url(), &["up"]), 0);

    let out = run(&dir, db.url(), &["down"]);
    assert_code(&out, 3);
    let error = one_line_error(&out);
    assert!(error.contains("stopped at step 2 of 2"), "{error}");
    assert!(error.contains("division by zero"), "{error}");
    assert!(
        error.contains("run `migrate down` again to resume at step 2"),
        "{error}"
    );
    let status = String::from_utf8_lossy(&run(&dir, db.url(), &["status"]).stdout).into_owned();
    assert!(status.contains("PARTLY REVERTED"), "{status}");
    // up refuses to build on a half-reverted migration, and says how to get out.
    let out = run(&dir, db.url(), &["up"]);
    assert_code(&out, 3);
    assert!(one_line_error(&out).contains("partly reverted"), "{}", text(&out));

    client.batch_execute("UPDATE gate SET n = 1").await.unwrap();
    assert_code(&run(&dir, db.url(), &["down"]), 0);
    assert_eq!(counter(&client, "d1").await, 1, "step 1 ran again");
    assert_eq!(counter(&client, "d2").await, 1);
    let rows: Vec<String> = client
        .query("SELECT version FROM schema_migrate.schema_migrations", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows, [versions[0].clone()]);
}

#[tokio::test]
async fn a_failed_migration_whose_file_must_change_resumes_after_repair() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    let versions = hand_written(
        &dir,
        &[
            setup(),
            (
                "-- migrate:no-transaction\nUPDATE counters SET n = n + 1 WHERE name = 'u1';\n\
                 UPDATE countres SET n = n + 1 WHERE name = 'u2';\n"
                    .to_owned(),
                String::new(),
            ),
        ],
    );
    let db = TestDb::create("repair_resumes").await;
    let client = db.connect().await;
    let out = run(&dir, db.url(), &["up"]);
    assert_code(&out, 3);
    let error = one_line_error(&out);
    assert!(error.contains("countres"), "{error}");
    assert!(error.contains("migrate repair --update-checksums"), "{error}");

    // Fix the typo: the edited file is refused until the edit is accepted.
    let migration = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(&versions[1]))
        .unwrap();
    let up = std::fs::read_to_string(migration.join("up.sql")).unwrap();
    std::fs::write(migration.join("up.sql"), up.replace("countres", "counters")).unwrap();
    assert_code(&run(&dir, db.url(), &["hash"]), 0);
    let out = run(&dir, db.url(), &["up"]);
    assert_code(&out, 3);
    assert!(one_line_error(&out).contains("migrate repair --update-checksums"));
    let out = run(&dir, db.url(), &["repair"]);
    assert_code(&out, 1);
    assert!(text(&out).contains("interrupted"), "{}", text(&out));
    assert_code(&run(&dir, db.url(), &["repair", "--update-checksums"]), 0);
    assert_code(&run(&dir, db.url(), &["repair"]), 0);
    assert_code(&run(&dir, db.url(), &["up"]), 0);
    assert_eq!(counter(&client, "u1").await, 1, "step 1 ran again");
    assert_eq!(counter(&client, "u2").await, 1);
}

#[tokio::test]
async fn resolve_records_hand_fixes_and_refuses_what_it_is_not_for() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    let versions = hand_written(
        &dir,
        &[
            setup(),
            (
                "-- migrate:no-transaction\nUPDATE counters SET n = n + 1 WHERE name = 'u1';\n\
                 UPDATE counters SET n = n + 1 / (SELECT n FROM gate) WHERE name = 'u2';\n"
                    .to_owned(),
                String::new(),
            ),
        ],
    );
    let db = TestDb::create("resolve").await;
    let client = db.connect().await;
    assert_code(&run(&dir, db.url(), &["up"]), 3);

    // Fully applied migrations are not resolve's: they are reverted with down.
    let out = run(&dir, db.url(), &["resolve", &versions[0], "--rolled-back"]);
    assert_code(&out, 3);
    assert!(one_line_error(&out).contains("migrate down"), "{}", text(&out));
    let out = run(&dir, db.url(), &["resolve", &versions[0], "--applied"]);
    assert_code(&out, 3);
    assert!(one_line_error(&out).contains("already applied"), "{}", text(&out));
    let out = run(&dir, db.url(), &["resolve", "20000101000000", "--applied"]);
    assert_code(&out, 3);
    // One of the two flags is required.
    assert_code(&run(&dir, db.url(), &["resolve", &versions[1]]), 2);

    // Undo step 1 by hand, record it rolled back: it is pending and runs whole next time.
    client
        .batch_execute("UPDATE counters SET n = 0 WHERE name = 'u1'; UPDATE gate SET n = 1")
        .await
        .unwrap();
    assert_code(
        &run(&dir, db.url(), &["resolve", &versions[1], "--rolled-back"]),
        0,
    );
    let status = String::from_utf8_lossy(&run(&dir, db.url(), &["status"]).stdout).into_owned();
    assert!(status.contains("step_1  pending"), "{status}");
    assert_code(&run(&dir, db.url(), &["up"]), 0);
    assert_eq!(
        (counter(&client, "u1").await, counter(&client, "u2").await),
        (1, 1)
    );

    // Finished by hand: recorded as applied, and up has nothing left to do.
    assert_code(&run(&dir, db.url(), &["down"]), 0);
    client.batch_execute("UPDATE gate SET n = 0").await.unwrap();
    assert_code(&run(&dir, db.url(), &["up"]), 3);
    client
        .batch_execute("UPDATE counters SET n = n + 1 WHERE name = 'u2'")
        .await
        .unwrap();
    let out = run(&dir, db.url(), &["resolve", &versions[1], "--applied"]);
    assert_code(&out, 0);
    let out = run(&dir, db.url(), &["up"]);
    assert_code(&out, 0);
    assert!(text(&out).contains("nothing to apply"), "{}", text(&out));
}

#[tokio::test]
async fn up_and_down_refuse_what_check_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    hand_written(
        &dir,
        &[
            setup(),
            (
                "UPDATE counters SET n = n + 1 WHERE name = 'u1';\n".to_owned(),
                "UPDATE counters SET n = n - 1 WHERE name = 'u1';\n".to_owned(),
            ),
        ],
    );
    let db = TestDb::create("guards").await;
    let client = db.connect().await;
    let sum = dir.join("migrations.sum");
    let good = std::fs::read_to_string(&sum).unwrap();
    for (broken, expected) in [
        (Some("h1:0000\n"), "out of date"),
        (Some("garbage"), "out of date"),
        (None, "migrations.sum"),
    ] {
        match broken {
            Some(text) => std::fs::write(&sum, text).unwrap(),
            None => std::fs::remove_file(&sum).unwrap(),
        }
        for args in [&["up"][..], &["down", "--yes"]] {
            let out = run(&dir, db.url(), args);
            assert_code(&out, 2);
            assert!(one_line_error(&out).contains(expected), "{}", text(&out));
        }
    }
    std::fs::write(&sum, &good).unwrap();
    // An emptied snapshot is refused before anything runs (the newest is parsed, the sum covers
    // every other), and `hash` will not record it.
    let mut dirs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for migration in &dirs {
        let file = migration.join("schema.json");
        let snapshot = std::fs::read(&file).unwrap();
        std::fs::write(&file, "").unwrap();
        let out = run(&dir, db.url(), &["up"]);
        assert_code(&out, 2);
        let out = run(&dir, db.url(), &["hash"]);
        assert_code(&out, 2);
        assert!(one_line_error(&out).contains("schema.json"), "{}", text(&out));
        std::fs::write(&file, snapshot).unwrap();
    }
    let tables: i64 = client
        .query_one("SELECT count(*) FROM pg_tables WHERE tablename = 'counters'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "a refused up applied something");
    assert_code(&run(&dir, db.url(), &["up"]), 0);

    // A migration older than an applied one (a branch merged late): refused unless allowed.
    let late = dir.join("20000101000000_late_branch");
    std::fs::create_dir(&late).unwrap();
    std::fs::write(
        late.join("up.sql"),
        "UPDATE counters SET n = n + 1 WHERE name = 'u2';\n",
    )
    .unwrap();
    std::fs::write(late.join("down.sql"), "").unwrap();
    std::fs::write(late.join("schema.json"), "{}").unwrap();
    assert_code(&run(&dir, db.url(), &["hash"]), 0);
    let out = run(&dir, db.url(), &["up"]);
    assert_code(&out, 3);
    assert!(
        one_line_error(&out).contains("--allow-out-of-order"),
        "{}",
        text(&out)
    );
    assert_eq!(counter(&client, "u2").await, 0);
    assert_code(&run(&dir, db.url(), &["up", "--allow-out-of-order"]), 0);
    assert_eq!(counter(&client, "u2").await, 1);

    // Reverting more than one migration needs a confirmation; none without a terminal.
    let out = run(&dir, db.url(), &["down", "--steps", "999"]);
    assert_code(&out, 2);
    assert!(one_line_error(&out).contains("pass --yes"), "{}", text(&out));
    let applied: i64 = client
        .query_one("SELECT count(*) FROM schema_migrate.schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, 3, "a refused down reverted something");
    // One migration that drops no table reverts without asking.
    assert_code(&run(&dir, db.url(), &["down"]), 0);
}

#[test]
fn a_server_that_never_answers_times_out_in_one_line() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and keep the connections open, never answering.
    let holder = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for stream in listener.incoming().take(2) {
            kept.push(stream);
        }
        std::thread::sleep(Duration::from_secs(8));
    });
    let tmp = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = run(
        tmp.path(),
        &format!("postgres://u@127.0.0.1:{port}/db?connect_timeout=2"),
        &["status"],
    );
    let elapsed = start.elapsed();
    assert_code(&out, 3);
    let error = one_line_error(&out);
    assert!(error.contains("no answer within 2 s"), "{error}");
    assert!(elapsed < Duration::from_secs(7), "took {elapsed:?}");
    drop(holder);
}

#[test]
fn no_password_reaches_output_in_any_form() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    std::fs::create_dir(&dir).unwrap();
    // Port 1: nothing listens, so each fails to connect and reports it.
    let cases = [
        ("postgres://app:pa/ss@127.0.0.1:1/db", "pa/ss"),
        ("postgres://app:p%40ss%2Fw0rd@127.0.0.1:1/db", "w0rd"),
        ("postgres://app@127.0.0.1:1/db?password=hunter3", "hunter3"),
        (
            "host=127.0.0.1 port=1 user=app password=hunter2 dbname=db",
            "hunter2",
        ),
        (
            "host=127.0.0.1 port=1 user=app password='hun ter5' dbname=db",
            "ter5",
        ),
        (
            "postgres://app:hunter6@127.0.0.1:1/db?sslmode=sometimes",
            "hunter6",
        ),
        ("postgres://app:hunter7@127.0.0.1:notaport/db", "hunter7"),
    ];
    for (url, secret) in cases {
        for args in [&["status"][..], &["up"], &["check", "--database"]] {
            let out = run(&dir, url, args);
            assert_ne!(out.status.code(), Some(0), "{url}");
            let all = text(&out);
            assert!(
                !all.contains(secret),
                "{args:?} with {url} printed the password: {all}"
            );
            assert!(all.contains("error"), "{all}");
        }
    }
    // diff takes URLs as arguments.
    let out = migrate(
        &dir,
        "",
        &[
            "diff",
            "--from",
            "postgres://app:hunter8@127.0.0.1:1/db",
            "--to",
            "declared",
        ],
    )
    .output()
    .unwrap();
    assert!(!text(&out).contains("hunter8"), "{}", text(&out));

    // A malformed .env line is reported without its text.
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join(".env"),
        "DATABASE_URL=postgres://app:hunter9@h/db\nthis line 'is broken\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_migrate"))
        .current_dir(cwd.path())
        .arg("status")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_code(&out, 2);
    let all = text(&out);
    assert!(all.contains(".env"), "{all}");
    assert!(!all.contains("hunter9") && !all.contains("is broken"), "{all}");
}
