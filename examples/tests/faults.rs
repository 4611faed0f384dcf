//! Fault injection on the real `migrate` binary: SIGKILL at random moments of `up` and `down`,
//! termination of its server sessions, and many runners at once (with their lock session
//! terminated under them). Every step of the history is non-idempotent (a counter goes up, an
//! index is renamed), so a step applied twice shows as a counter of 2 or a failed rerun; a rerun
//! that does not finish is a stuck state. Both must never happen.
//!
//! `FAULT_KILLS`, `FAULT_TERMINATIONS` and `FAULT_SEED` set the number of trials and the seed
//! (defaults keep `cargo test` short; the figures in the notes come from 100 and 30).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Output};

use common::{migrate, run_ok};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use testkit::TestDb;
use tokio_postgres::Client;

const UP_COUNTERS: [&str; 7] = ["m1", "m2a", "m2b", "m2c", "m3", "m4a", "m4b"];
const DOWN_COUNTERS: [&str; 3] = ["d4a", "d4b", "d3"];

fn sleeps(seconds: f64) -> String {
    format!("FROM (SELECT pg_sleep({seconds})) AS s")
}

fn bump(name: &str) -> String {
    format!(
        "UPDATE counters SET n = n + 1 {} WHERE name = '{name}';\n",
        sleeps(0.06)
    )
}

/// Four hand-written migrations: transactional, no-transaction with single statements, a block
/// and a concurrent index build, transactional again, and a no-transaction index swap (build,
/// drop, rename), each with a reverse that counts too.
fn history(tmp: &Path) -> (PathBuf, Vec<String>) {
    let dir = tmp.join("migrations");
    let names: Vec<String> = UP_COUNTERS
        .iter()
        .chain(DOWN_COUNTERS.iter())
        .map(|n| format!("('{n}')"))
        .collect();
    let scripts = [
        (
            format!(
                "CREATE TABLE counters (name text PRIMARY KEY, n integer NOT NULL DEFAULT 0);\n\
                 INSERT INTO counters (name) VALUES {};\n\
                 CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v integer NOT NULL);\n\
                 INSERT INTO items (v) SELECT g % 1000 FROM generate_series(1, 100000) AS g;\n{}",
                names.join(", "),
                bump("m1")
            ),
            "DROP TABLE items;\nDROP TABLE counters;\n".to_owned(),
        ),
        (
            format!(
                "-- migrate:no-transaction\nSET lock_timeout = '5s';\n{}BEGIN;\n{}COMMIT;\n\
                 CREATE INDEX CONCURRENTLY items_v ON items (v);\n{}",
                bump("m2a"),
                bump("m2b"),
                bump("m2c")
            ),
            "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY items_v;\n".to_owned(),
        ),
        (bump("m3"), bump("d3")),
        (
            format!(
                "-- migrate:no-transaction\n{}CREATE INDEX CONCURRENTLY items_v_next ON items (v, id);\n\
                 DROP INDEX CONCURRENTLY items_v;\nALTER INDEX items_v_next RENAME TO items_v;\n{}",
                bump("m4a"),
                bump("m4b")
            ),
            format!(
                "-- migrate:no-transaction\n{}CREATE INDEX CONCURRENTLY items_v_prev ON items (v);\n\
                 DROP INDEX CONCURRENTLY items_v;\nALTER INDEX items_v_prev RENAME TO items_v;\n{}",
                bump("d4a"),
                bump("d4b")
            ),
        ),
    ];
    let versions = common::hand_written(&dir, &scripts);
    (dir, versions)
}

/// A small deterministic generator, so a failing trial can be replayed with its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn seed() -> u64 {
    std::env::var("FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        })
}

/// How long an uninterrupted `up` and `down` of the history take here: the random moments are
/// drawn within them.
async fn calibrate(dir: &Path, versions: &[String]) -> (u64, u64) {
    let db = TestDb::create("calibrate").await;
    let (dir, url, to) = (dir.to_owned(), db.url().to_owned(), versions[1].clone());
    tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        run_ok(&dir, &url, &["up"]);
        let up = start.elapsed().as_millis() as u64;
        let start = Instant::now();
        run_ok(&dir, &url, &["down", "--to", &to, "--yes"]);
        (up, start.elapsed().as_millis() as u64)
    })
    .await
    .unwrap()
}

fn trials(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Wait for `child` at most `limit`; a runner that does not finish is a stuck state.
fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "{what}: still running after {limit:?} (stuck): {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Run `args` to completion; it must succeed (a rerun after a fault never needs a hand).
fn rerun(dir: &Path, url: &str, args: &[&str], what: &str) {
    let child = migrate(dir, url, args).spawn().expect("spawn");
    let output = wait_bounded(child, Duration::from_secs(120), what);
    assert!(
        output.status.success(),
        "{what}: the rerun failed (stuck state): {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn counters(client: &Client) -> Vec<(String, i32)> {
    client
        .query("SELECT name, n FROM counters ORDER BY name", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// Every step of `done` ran exactly once and nothing of `not_yet` ran; the index is whole.
async fn assert_exactly_once(client: &Client, done: &[&str], not_yet: &[&str], what: &str) {
    let counters = counters(client).await;
    for (name, n) in &counters {
        let expected = i32::from(done.contains(&name.as_str()));
        assert!(
            not_yet.contains(&name.as_str()) || done.contains(&name.as_str()),
            "unexpected counter {name}"
        );
        assert_eq!(*n, expected, "{what}: step {name} ran {n} time(s): {counters:?}");
    }
    let valid: Vec<bool> = client
        .query(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'items_v%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(valid, [true], "{what}: the index is not whole: {valid:?}");
}

async fn history_rows(client: &Client) -> Vec<(String, bool)> {
    client
        .query(
            "SELECT version, success AND down_steps_done IS NULL FROM schema_migrate.schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// Start `args`, SIGKILL it after `delay` if it still runs; whether the kill landed.
fn kill_after(dir: &Path, url: &str, args: &[&str], delay: Duration) -> bool {
    let mut child = migrate(dir, url, args).spawn().expect("spawn");
    std::thread::sleep(delay);
    let landed = child.try_wait().expect("wait").is_none();
    let _ = child.kill();
    let _ = child.wait();
    landed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_of_up_and_down_never_applies_a_step_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, versions) = history(tmp.path());
    let trials = trials("FAULT_KILLS", 12);
    let (up_ms, down_ms) = calibrate(&dir, &versions).await;
    let seed = seed();
    let mut rng = Rng::new(seed);
    let mut landed = 0;
    for trial in 0..trials {
        let db = TestDb::create("kill").await;
        let url = db.url().to_owned();
        let what = format!("trial {trial} (FAULT_SEED={seed})");
        let delay = Duration::from_millis(rng.below(up_ms));
        let dir2 = dir.clone();
        let url2 = url.clone();
        landed += usize::from(
            tokio::task::spawn_blocking(move || kill_after(&dir2, &url2, &["up"], delay))
                .await
                .unwrap(),
        );
        let (dir2, url2, what2) = (dir.clone(), url.clone(), what.clone());
        tokio::task::spawn_blocking(move || rerun(&dir2, &url2, &["up"], &what2))
            .await
            .unwrap();
        let client = db.connect().await;
        assert_exactly_once(&client, &UP_COUNTERS, &DOWN_COUNTERS, &what).await;
        assert!(history_rows(&client).await.iter().all(|(_, ok)| *ok), "{what}");

        // Revert the two newest, killed part way, and resume by the same target.
        let to = versions[1].clone();
        let delay = Duration::from_millis(rng.below(down_ms));
        let (dir2, url2, to2) = (dir.clone(), url.clone(), to.clone());
        landed += usize::from(
            tokio::task::spawn_blocking(move || {
                kill_after(&dir2, &url2, &["down", "--to", &to2, "--yes"], delay)
            })
            .await
            .unwrap(),
        );
        let (dir2, url2, what2) = (dir.clone(), url.clone(), what.clone());
        tokio::task::spawn_blocking(move || rerun(&dir2, &url2, &["down", "--to", &to, "--yes"], &what2))
            .await
            .unwrap();
        let mut done: Vec<&str> = UP_COUNTERS.to_vec();
        done.extend(DOWN_COUNTERS);
        assert_exactly_once(&client, &done, &[], &what).await;
        let rows = history_rows(&client).await;
        assert_eq!(
            rows,
            [(versions[0].clone(), true), (versions[1].clone(), true)],
            "{what}"
        );
    }
    eprintln!("up takes {up_ms} ms, down {down_ms} ms uninterrupted");
    eprintln!(
        "{trials} trials, {landed} SIGKILLs landed while the runner ran, 0 double applies, 0 stuck states (FAULT_SEED={seed})"
    );
    assert!(
        landed > 0,
        "no kill landed: the history ran faster than the delays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_server_sessions_never_apply_a_step_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, versions) = history(tmp.path());
    let trials = trials("FAULT_TERMINATIONS", 8);
    let (up_ms, _) = calibrate(&dir, &versions).await;
    let seed = seed();
    let mut rng = Rng::new(seed ^ 0xabcd);
    let mut terminated = 0u64;
    for trial in 0..trials {
        let db = TestDb::create("term").await;
        let admin = testkit::connect(db.server_url()).await;
        let url = db.url().to_owned();
        let what = format!("trial {trial} (FAULT_SEED={seed})");
        let child = migrate(&dir, &url, &["up"]).spawn().expect("spawn");
        // The binary's start-up is part of the calibrated time; terminations land after it.
        tokio::time::sleep(Duration::from_millis(rng.below(up_ms))).await;
        let ended: i64 = admin
            .query_one(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = $1 AND application_name = 'migrate') AS t",
                &[&db.name()],
            )
            .await
            .unwrap()
            .get(0);
        terminated += ended as u64;
        let output = tokio::task::spawn_blocking(move || {
            wait_bounded(child, Duration::from_secs(120), "terminated run")
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() || stderr.trim().lines().count() == 1,
            "{what}: the error is not one line: {stderr}"
        );
        let (dir2, url2, what2) = (dir.clone(), url.clone(), what.clone());
        tokio::task::spawn_blocking(move || rerun(&dir2, &url2, &["up"], &what2))
            .await
            .unwrap();
        let client = db.connect().await;
        assert_exactly_once(&client, &UP_COUNTERS, &DOWN_COUNTERS, &what).await;
    }
    eprintln!(
        "{trials} trials, {terminated} sessions terminated, 0 double applies, 0 stuck states (FAULT_SEED={seed})"
    );
    assert!(terminated > 0, "no session was terminated");
}

/// `n` runners at once, on a history that builds indexes concurrently; with `terminate`, the
/// lock holder's session is terminated under them a few times.
async fn runners_at_once(n: usize, terminate: bool, dir: &Path) -> Duration {
    let db = TestDb::create("many").await;
    let admin = testkit::connect(db.server_url()).await;
    let start = Instant::now();
    let children: Vec<Child> = (0..n)
        .map(|_| migrate(dir, db.url(), &["up"]).spawn().expect("spawn"))
        .collect();
    let mut terminated = 0;
    if terminate {
        let mut rng = Rng::new(seed());
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(100 + rng.below(400))).await;
            let ended: i64 = admin
                .query_one(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(l.pid) FROM pg_locks l \
                     WHERE l.locktype = 'advisory' AND l.granted AND l.database = \
                     (SELECT oid FROM pg_database WHERE datname = $1)) AS t",
                    &[&db.name()],
                )
                .await
                .unwrap()
                .get(0);
            terminated += ended;
        }
    }
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| wait_bounded(c, Duration::from_secs(120), "concurrent runner"))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let elapsed = start.elapsed();
    let mut applied = 0;
    for output in &outputs {
        let stdout = String::from_utf8_lossy(&output.stdout);
        applied += stdout.lines().filter(|l| l.starts_with("applied ")).count();
        if !terminate {
            assert!(
                output.status.success(),
                "{n} runners: one failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    if terminate {
        let url = db.url().to_owned();
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || rerun(&dir, &url, &["up"], "after lock-session loss"))
            .await
            .unwrap();
        eprintln!("{n} runners, {terminated} lock sessions terminated under them");
    } else {
        assert_eq!(
            applied, 4,
            "{n} runners: the 4 migrations were applied {applied} times in all"
        );
    }
    let client = db.connect().await;
    assert_exactly_once(&client, &UP_COUNTERS, &DOWN_COUNTERS, &format!("{n} runners")).await;
    elapsed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_runners_at_once_finish_and_apply_each_step_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = history(tmp.path());
    for n in [2, 6, 12] {
        let elapsed = runners_at_once(n, false, &dir).await;
        eprintln!(
            "{n} runners at once: all finished in {:.2} s",
            elapsed.as_secs_f64()
        );
    }
    for n in [2, 6, 12] {
        runners_at_once(n, true, &dir).await;
    }
}
