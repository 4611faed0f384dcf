//! `migrate pull`: write the Rust schema of an existing database, its standards report and,
//! with `--baseline`, its first migration.

use std::path::Path;

use super::commands::database_url;
use super::{App, Cli, EXIT_USAGE, Failure, Format};
use crate::migrations::MigrationDir;
use crate::pull::{self, PullOptions, Tenancies, baseline};
use crate::{db, inspect::InspectError};

/// What `pull` was asked for.
pub struct PullArgs<'a> {
    pub out: Option<&'a Path>,
    pub schemas: &'a [String],
    pub baseline: bool,
    pub tenant_root: Option<&'a str>,
    pub global: &'a [String],
}

pub async fn pull_command(app: &App, cli: &Cli, args: PullArgs<'_>) -> Result<u8, Failure> {
    let url = database_url(cli)?;
    // An --out that cannot be written is found before the database is read.
    if let Some(out) = args.out {
        check_writable(out)?;
    }
    let client = db::connect(url).await?;
    let options = PullOptions {
        schemas: args.schemas.to_vec(),
        tenancies: Tenancies {
            root: args.tenant_root.map(str::to_owned),
            global: args.global.to_vec(),
        },
    };
    let mut pulled = pull::pull(&client, &options).await.map_err(|e| match e {
        // A misspelled --schema is a bad argument, not a database error.
        InspectError::NoSuchSchema(name) => Failure::new(
            EXIT_USAGE,
            format!(
                "--schema {name}: the database has no such schema (or it holds only an extension's objects)"
            ),
        ),
        other => Failure::from(crate::Error::from(other)),
    })?;
    if let Some(name) = args.tenant_root
        && !pulled.schema.tables.iter().any(|t| t.name == name)
    {
        return Err(Failure::new(
            EXIT_USAGE,
            format!(
                "--tenant-root {name}: the database has no such table (qualify it as schema.table outside public)"
            ),
        ));
    }
    if let Some(out) = args.out {
        std::fs::write(out, &pulled.code).map_err(|e| write_failure(out, &e))?;
        pulled.report.written.push(out.display().to_string());
    }
    if args.baseline {
        let dir = MigrationDir::new(app.dir(cli));
        let written = baseline::write(&dir, &pulled).map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
        pulled.report.written.push(written.path.display().to_string());
        eprintln!(
            "baseline: mark it applied on this database without running it: migrate resolve {} --applied",
            written.version
        );
    }
    match cli.format {
        Format::Text => {
            if args.out.is_none() {
                print!("{}", pulled.code);
                eprint!("{}", pulled.report.text());
            } else {
                print!("{}", pulled.report.text());
            }
        }
        Format::Json => {
            let mut value = serde_json::to_value(&pulled.report).unwrap_or_default();
            if args.out.is_none() {
                value["code"] = serde_json::Value::String(pulled.code.clone());
            }
            println!("{value}");
        }
    }
    Ok(0)
}

fn write_failure(out: &Path, error: &std::io::Error) -> Failure {
    Failure::new(EXIT_USAGE, format!("cannot write {}: {error}", out.display()))
}

/// Whether `out` can be written: its directory exists and is writable (the file is not created).
fn check_writable(out: &Path) -> Result<(), Failure> {
    if out.is_dir() {
        return Err(Failure::new(
            EXIT_USAGE,
            format!(
                "--out {} is a directory: name the file to write, e.g. src/schema.rs",
                out.display()
            ),
        ));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let metadata = std::fs::metadata(parent).map_err(|e| write_failure(out, &e))?;
    if metadata.permissions().readonly() {
        return Err(Failure::new(
            EXIT_USAGE,
            format!("cannot write {}: its directory is read-only", out.display()),
        ));
    }
    Ok(())
}
