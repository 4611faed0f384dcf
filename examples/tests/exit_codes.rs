//! Every row of the README's exit-code table, cause by cause, through the real binary; and the
//! shape of what it prints: one line per error, JSON errors with `--format json`, no panic on a
//! closed pipe, long URLs cut short, and the reports `generate`, `status` and `check` give.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{hand_written, migrate, newest_migration, run_ok, text};
use testkit::TestDb;

fn run(dir: &Path, url: &str, args: &[&str]) -> Output {
    migrate(dir, url, args).output().expect("run migrate")
}

/// `output` exited with `code`, and an error is one line.
fn expect(output: &Output, code: i32, contains: &str, what: &str) {
    let all = text(output);
    assert_eq!(output.status.code(), Some(code), "{what}: {all}");
    assert!(all.contains(contains), "{what}: expected `{contains}` in: {all}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors = stderr.lines().filter(|l| l.starts_with("error")).count();
    if code >= 2 {
        assert_eq!(stderr.trim().lines().count(), 1, "{what}: not one line: {stderr}");
        assert_eq!(errors, 1, "{what}: {stderr}");
    }
}

fn counting(dir: &Path) -> Vec<String> {
    hand_written(
        dir,
        &[(
            "CREATE TABLE t (n integer);\nSELECT pg_sleep(0.2);\n".to_owned(),
            "DROP TABLE t;\n".to_owned(),
        )],
    )
}

fn migration_dir(dir: &Path, version: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(version))
        .unwrap()
}

#[tokio::test]
async fn exit_0_success() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let db = TestDb::create("exit0").await;
    // generate reports the hazards of the down too.
    let out = run(&dir, db.url(), &["generate", "initial"]);
    expect(&out, 0, "down hazard deletes_data", "generate");
    for args in [
        &["up"][..],
        &["status"],
        &["check"],
        &["check", "--database"],
        &["hash"],
    ] {
        expect(&run(&dir, db.url(), args), 0, "", &format!("{args:?}"));
    }
    let out = run(&dir, db.url(), &["check", "--database"]);
    expect(
        &out,
        0,
        "the database matches the declared schema (1 migration(s) applied, 0 pending)",
        "check",
    );
}

#[tokio::test]
async fn exit_1_differences_or_violations() {
    let tmp = tempfile::tempdir().unwrap();
    let db = TestDb::create("exit1").await;
    let client = db.connect().await;

    // check: the declared schema is not in a migration.
    let dir = tmp.path().join("undeclared");
    counting(&dir);
    expect(
        &run(&dir, db.url(), &["check"]),
        1,
        "differs from the latest migration's snapshot",
        "check",
    );

    // check: a schema docs page edited by hand (`generate` wrote the docs beside the migrations).
    let dir = tmp.path().join("stale_docs").join("migrations");
    run_ok(&dir, db.url(), &["generate", "initial"]);
    let page = tmp.path().join("stale_docs/docs/schema/tables/invoices.md");
    std::fs::write(&page, "edited by hand\n").unwrap();
    expect(
        &run(&dir, db.url(), &["check"]),
        1,
        "stale: tables/invoices.md",
        "check docs",
    );

    // verify: a down that does not restore the previous state.
    let dir = tmp.path().join("bad_down");
    hand_written(
        &dir,
        &[("CREATE TABLE kept (n int);\n".to_owned(), String::new())],
    );
    expect(
        &run(&dir, db.url(), &["verify"]),
        1,
        "_step_0: after up, the database differs",
        "verify",
    );

    // lint findings.
    let sql = tmp.path().join("drop.sql");
    std::fs::write(&sql, "DROP TABLE invoices;\n").unwrap();
    expect(
        &run(&dir, db.url(), &["lint", &sql.to_string_lossy()]),
        1,
        "drop-table",
        "lint",
    );

    // A destructive plan refused: the latest snapshot has a table the code no longer declares.
    let dir = tmp.path().join("destructive");
    run_ok(&dir, db.url(), &["generate", "initial"]);
    diverge(&dir, |snapshot| {
        let tables = snapshot["tables"].as_array_mut().unwrap();
        let mut table = tables.iter().find(|t| t["name"] == "currencies").unwrap().clone();
        table["name"] = "legacy_currencies".into();
        table.as_object_mut().unwrap().remove("primary_key");
        tables.push(table);
    });
    expect(
        &run(&dir, db.url(), &["generate", "next"]),
        1,
        "--allow-destructive",
        "generate",
    );

    // down: an object the migrations do not hold (a view made by hand) took the name of a table
    // a migration dropped; its down would create that table. Refused before anything runs.
    let dir = tmp.path().join("down_collides");
    run_ok(&dir, db.url(), &["generate", "initial"]);
    let scratch = serde_json::json!({
        "name": "scratch",
        "columns": [{"name": "id", "type": "integer", "nullable": true}]
    });
    for (description, up, down, add) in [
        (
            "add_scratch",
            "CREATE TABLE scratch (id integer);\n",
            "DROP TABLE scratch;\n",
            true,
        ),
        (
            "drop_scratch",
            "DROP TABLE scratch;\n",
            "CREATE TABLE scratch (id integer);\n",
            false,
        ),
    ] {
        run_ok(&dir, "postgres://unused", &["generate", "--empty", description]);
        let newest = newest_migration(&dir);
        let path = newest.join("schema.json");
        let mut snapshot: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let tables = snapshot["tables"].as_array_mut().unwrap();
        if add {
            tables.push(scratch.clone());
        } else {
            tables.retain(|t| t["name"] != "scratch");
        }
        std::fs::write(&path, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
        std::fs::write(newest.join("up.sql"), up).unwrap();
        std::fs::write(newest.join("down.sql"), down).unwrap();
        run_ok(&dir, "postgres://unused", &["hash"]);
    }
    let collides = TestDb::create("exit1_down_collides").await;
    run_ok(&dir, collides.url(), &["up"]);
    let collides_client = collides.connect().await;
    collides_client
        .batch_execute("CREATE VIEW scratch AS SELECT 1 AS one")
        .await
        .unwrap();
    let out = run(&dir, collides.url(), &["down"]);
    expect(
        &out,
        1,
        "_drop_scratch: the down of drop table scratch: scratch is a view in the database",
        "down",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "down: not one line: {stderr}");
    assert!(stderr.contains("Rename or drop that object by hand"), "{stderr}");
    let kind: String = collides_client
        .query_one(
            "SELECT relkind::text FROM pg_class WHERE relname = 'scratch'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(kind, "v", "the view is left as it was");
    expect(
        &run(&dir, collides.url(), &["status"]),
        0,
        "applied",
        "status after the refused down",
    );

    // status: a migration that needs a person.
    let dir = tmp.path().join("interrupted");
    hand_written(
        &dir,
        &[(
            "-- migrate:no-transaction\nCREATE TABLE s (n int);\nSELECT 1 / 0;\n".to_owned(),
            String::new(),
        )],
    );
    let fresh = TestDb::create("exit1_status").await;
    expect(&run(&dir, fresh.url(), &["up"]), 3, "division by zero", "up");
    expect(&run(&dir, fresh.url(), &["status"]), 1, "FAILED", "status");
    drop(client);
}

#[tokio::test]
async fn exit_2_usage_or_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let versions = counting(&dir);
    let db = TestDb::create("exit2").await;
    let url = db.url();
    let certs = tmp.path().join("absent-ca.pem");
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec!["--bogus".into(), "status".into()],
            url.into(),
            "unexpected argument",
        ),
        (
            vec!["up".into(), "--to".into()],
            url.into(),
            "a value is required",
        ),
        (
            vec!["status".into()],
            "postgres://u@h:notaport/db".into(),
            "invalid database URL",
        ),
        (
            vec!["status".into()],
            format!("{url}?sslmode=sometimes"),
            "invalid sslmode",
        ),
        (
            vec!["status".into()],
            format!("{url}?sslmode=verify-full&sslrootcert={}", certs.display()),
            "absent-ca.pem",
        ),
        (vec!["status".into()], String::new(), "DATABASE_URL is not set"),
        (
            vec!["up".into(), "--to".into(), "19990101000000".into()],
            url.into(),
            "unknown migration version",
        ),
    ];
    expect(
        &run(&tmp.path().join("nowhere"), url, &["up"]),
        2,
        "nowhere",
        "missing dir",
    );
    for (args, url, expected) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_migrate"))
            .arg("--dir")
            .arg(&dir)
            .args(&args)
            .env("DATABASE_URL", url)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        expect(&out, 2, expected, &format!("{args:?}"));
    }

    // An empty directory is a wrong --dir, not an up-to-date database.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    expect(&run(&empty, url, &["up"]), 2, "has no migrations", "empty dir");

    // Reverting without confirmation.
    run_ok(&dir, url, &["up"]);
    expect(&run(&dir, url, &["down"]), 2, "pass --yes", "down");

    // A stale sum: check says it with exit 2, and so do up and down.
    let migration = migration_dir(&dir, &versions[0]);
    let up = std::fs::read_to_string(migration.join("up.sql")).unwrap();
    std::fs::write(migration.join("up.sql"), format!("{up}-- edited\n")).unwrap();
    for args in [&["check"][..], &["up"], &["down", "--yes"]] {
        let out = run(&dir, url, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("migrations.sum is out of date"),
            "{}",
            text(&out)
        );
        assert!(
            !text(&out).contains("migrate -- generate"),
            "check advises generate on a broken directory: {}",
            text(&out)
        );
    }
    std::fs::write(migration.join("up.sql"), &up).unwrap();

    // A corrupt snapshot, and a NUL byte in a script: named, no advice to generate.
    std::fs::write(migration.join("schema.json"), "{ not json").unwrap();
    let out = run(&dir, url, &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("schema.json") && !text(&out).contains("generate <"),
        "{}",
        text(&out)
    );
    expect(&run(&dir, url, &["up"]), 2, "schema.json", "up");
    std::fs::write(migration.join("schema.json"), "{}").unwrap();
    std::fs::write(migration.join("up.sql"), "SELECT 1;\0\n").unwrap();
    expect(&run(&dir, url, &["up"]), 2, "NUL byte", "NUL");
    assert!(text(&run(&dir, url, &["up"])).contains("up.sql"));

    // Errors in JSON with --format json, usage errors included.
    for args in [&["--format", "json", "stat"][..], &["--format", "json", "up"]] {
        let out = run(&dir, url, args);
        assert_eq!(out.status.code(), Some(2));
        let value: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_eq!(value["error"]["code"], 2, "{value}");
        assert!(value["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn exit_3_database() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let versions = counting(&dir);
    let db = TestDb::create("exit3").await;
    let url = db.url();
    let client = db.connect().await;

    expect(
        &run(&dir, "postgres://u@127.0.0.1:1/db", &["status"]),
        3,
        "cannot connect",
        "unreachable",
    );
    // TLS refused: the local server's certificate names `localhost`, not the address.
    expect(
        &run(
            &dir,
            &format!("{url}?sslmode=verify-full&sslrootcert=system"),
            &["status"],
        ),
        3,
        "cannot connect",
        "TLS refused",
    );
    // The lock held by another runner past --lock-wait: who holds it is named.
    let holder = db.connect().await;
    let pid: i32 = holder
        .query_one(
            "SELECT pg_backend_pid() FROM (SELECT pg_advisory_lock($1)) AS l",
            &[&schema_migrate::runner::LOCK_KEY],
        )
        .await
        .unwrap()
        .get(0);
    expect(
        &run(&dir, url, &["--lock-wait", "1", "up"]),
        3,
        &format!("session {pid}"),
        "lock wait",
    );
    drop(holder);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // execution_ms is the script's time, for transactional migrations too.
    run_ok(&dir, url, &["up"]);
    let ms: i64 = client
        .query_one("SELECT execution_ms FROM schema_migrate.schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert!(ms >= 150, "execution_ms = {ms} for a script that sleeps 200 ms");

    // Edited after it was applied; an out-of-order migration; a resolve the state does not allow.
    let migration = migration_dir(&dir, &versions[0]);
    let down = std::fs::read_to_string(migration.join("down.sql")).unwrap();
    std::fs::write(migration.join("down.sql"), format!("{down}-- edited\n")).unwrap();
    run_ok(&dir, url, &["hash"]);
    expect(
        &run(&dir, url, &["up"]),
        3,
        "edited after it was applied",
        "edited",
    );
    std::fs::write(migration.join("down.sql"), &down).unwrap();
    run_ok(&dir, url, &["hash"]);
    let late = dir.join("20000101000000_late");
    std::fs::create_dir(&late).unwrap();
    for (file, text) in [("up.sql", "SELECT 1;\n"), ("down.sql", ""), ("schema.json", "{}")] {
        std::fs::write(late.join(file), text).unwrap();
    }
    run_ok(&dir, url, &["hash"]);
    expect(
        &run(&dir, url, &["up"]),
        3,
        "--allow-out-of-order",
        "out of order",
    );
    expect(
        &run(&dir, url, &["resolve", &versions[0], "--applied"]),
        3,
        "already applied",
        "resolve",
    );
    std::fs::remove_dir_all(&late).unwrap();
    run_ok(&dir, url, &["hash"]);

    // A failed statement.
    let broken = tmp.path().join("broken");
    hand_written(
        &broken,
        &[(
            "CREATE TABLE x (n int);\nSELECT 1 / 0;\n".to_owned(),
            String::new(),
        )],
    );
    let fresh = TestDb::create("exit3_failed").await;
    expect(
        &run(&broken, fresh.url(), &["up"]),
        3,
        "division by zero",
        "failed statement",
    );

    // A table of another shape where this tool keeps its history (its own schema).
    let other = TestDb::create("exit3_foreign").await;
    other
        .connect()
        .await
        .batch_execute(
            "CREATE SCHEMA schema_migrate; \
             CREATE TABLE schema_migrate.schema_migrations (version bigint PRIMARY KEY)",
        )
        .await
        .unwrap();
    for args in [&["up"][..], &["status"]] {
        expect(
            &run(&dir, other.url(), args),
            3,
            "not this tool's history",
            "foreign history",
        );
    }

    // Rails' history table of the same name in the application's schema is the application's:
    // the run leaves it alone.
    let rails = TestDb::create("exit0_rails_history").await;
    let client = rails.connect().await;
    client
        .batch_execute(
            "CREATE TABLE schema_migrations (version varchar PRIMARY KEY); \
             INSERT INTO schema_migrations VALUES ('20240101000000')",
        )
        .await
        .unwrap();
    run_ok(&dir, rails.url(), &["up"]);
    let rails_rows: i64 = client
        .query_one("SELECT count(*) FROM public.schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rails_rows, 1);
    let ours: i64 = client
        .query_one(
            "SELECT count(*) FROM schema_migrate.schema_migrations WHERE success",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(ours >= 1, "the tool's own history holds the applied migrations");
}

#[test]
fn a_closed_pipe_ends_quietly_and_long_urls_are_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    counting(&dir);
    let mut child = migrate(&dir, "postgres://unused", &["lint"]).spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!text(&out).contains("panicked"), "{}", text(&out));

    let long = format!("postgres://u:secret@127.0.0.1:1/{}", "d".repeat(10_000));
    let out = run(&dir, &long, &["status"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.len() < 600, "{} bytes of error", stderr.len());
    assert!(
        stderr.contains("bytes)") && !stderr.contains("secret"),
        "{stderr}"
    );
}

/// Edit the newest snapshot of `dir` through a hand-written migration, so that the declared
/// schema differs from it as `change` says.
fn diverge(dir: &Path, change: impl Fn(&mut serde_json::Value)) {
    run_ok(dir, "postgres://unused", &["generate", "--empty", "diverge"]);
    let newest = newest_migration(dir).join("schema.json");
    let mut snapshot: serde_json::Value = serde_json::from_slice(&std::fs::read(&newest).unwrap()).unwrap();
    change(&mut snapshot);
    std::fs::write(&newest, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    // The scaffolding's own snapshot change is acknowledged by hand, as a hand-written
    // migration may be.
    std::fs::write(
        newest.with_file_name("up.sql"),
        "-- migrate:ack rewrites_table test scaffolding\n-- migrate:ack deletes_data test scaffolding\n",
    )
    .unwrap();
    run_ok(dir, "postgres://unused", &["hash"]);
}

fn invoices(snapshot: &mut serde_json::Value) -> &mut serde_json::Value {
    snapshot["tables"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["name"] == "invoices")
        .unwrap()
}

#[test]
fn hazards_acknowledged_when_generated_pass_lint_and_check_and_nothing_else_does() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    run_ok(&dir, "postgres://unused", &["generate", "initial"]);
    let gate = |dir: &Path| {
        (
            run(dir, "postgres://unused", &["lint"]).status.code(),
            run(
                dir,
                "postgres://unused",
                &[
                    "check",
                    "--deny-hazard",
                    "rewrites_table",
                    "--deny-hazard",
                    "deletes_data",
                ],
            )
            .status
            .code(),
        )
    };
    assert_eq!(gate(&dir), (Some(0), Some(0)), "the initial migration is clean");

    // A drop, allowed with --allow-destructive: acknowledged by that flag itself.
    diverge(&dir, |s| {
        invoices(s)["columns"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"name": "memo", "type": "text", "nullable": true}));
    });
    let out = run(&dir, "postgres://unused", &["generate", "drop_memo"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    run_ok(
        &dir,
        "postgres://unused",
        &["generate", "drop_memo", "--allow-destructive"],
    );
    assert_eq!(gate(&dir), (Some(0), Some(0)));
    let check = text(&run(
        &dir,
        "postgres://unused",
        &["check", "--deny-hazard", "deletes_data"],
    ));
    assert!(
        check.contains("acknowledged: ") && check.contains("deletes_data (accepted with --allow-destructive"),
        "{check}"
    );

    // A rewrite nobody acknowledged: generated, but lint and check --deny-hazard stay red.
    let unacknowledged = tmp.path().join("unacknowledged");
    copy_dir(&dir, &unacknowledged);
    let narrow = |s: &mut serde_json::Value| {
        let columns = invoices(s)["columns"].as_array_mut().unwrap();
        columns.iter_mut().find(|c| c["name"] == "number").unwrap()["type"] = "integer".into();
    };
    diverge(&unacknowledged, narrow);
    let out = run(
        &unacknowledged,
        "postgres://unused",
        &["generate", "widen_number"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("--ack column-type-change=REASON"),
        "{}",
        text(&out)
    );
    assert_eq!(gate(&unacknowledged), (Some(1), Some(1)));

    // The same rewrite acknowledged with its reason: green, and the reason is in the file.
    diverge(&dir, narrow);
    run_ok(
        &dir,
        "postgres://unused",
        &[
            "generate",
            "widen_number",
            "--ack",
            "rewrites_table=invoices has 300 rows here",
        ],
    );
    assert_eq!(
        gate(&dir),
        (Some(0), Some(0)),
        "{}",
        text(&run(
            &dir,
            "postgres://unused",
            &[
                "check",
                "--deny-hazard",
                "rewrites_table",
                "--deny-hazard",
                "deletes_data"
            ]
        ))
    );
    let up = std::fs::read_to_string(newest_migration(&dir).join("up.sql")).unwrap();
    assert!(
        up.contains("-- migrate:ack rewrites_table invoices has 300 rows here"),
        "{up}"
    );
    assert!(
        up.contains("-- lint:allow column-type-change invoices has 300 rows here"),
        "{up}"
    );

    // A bad acknowledgement is a usage error.
    let out = run(
        &dir,
        "postgres://unused",
        &["generate", "x", "--ack", "rewrites_table"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
