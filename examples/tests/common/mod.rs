//! What the binary-driven tests share: running `migrate`, and a directory of hand-written
//! migrations.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn migrate(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
    command
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env("DATABASE_URL", url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

pub fn run_ok(dir: &Path, url: &str, args: &[&str]) -> Output {
    let output = migrate(dir, url, args).output().expect("run migrate");
    assert!(
        output.status.success(),
        "migrate {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Add one hand-written migration per `(up, down)` to `dir` (`generate --empty`, then the
/// files, then `hash`); returns their versions.
pub fn hand_written(dir: &Path, scripts: &[(String, String)]) -> Vec<String> {
    let unused = "postgres://unused";
    let mut versions = Vec::new();
    for (i, (up, down)) in scripts.iter().enumerate() {
        run_ok(dir, unused, &["generate", "--empty", &format!("step_{i}")]);
        let newest = &newest_migration(dir);
        std::fs::write(newest.join("up.sql"), up).unwrap();
        std::fs::write(newest.join("down.sql"), down).unwrap();
        run_ok(dir, unused, &["hash"]);
        let name = newest.file_name().unwrap().to_string_lossy().into_owned();
        versions.push(name[..14].to_owned());
    }
    versions
}

/// The newest migration's directory in `dir`.
pub fn newest_migration(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .max()
        .expect("a migration")
}

/// stdout and stderr, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
