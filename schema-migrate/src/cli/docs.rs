//! `migrate docs`, and the stale-docs check `check` and `generate` share.

use std::path::{Path, PathBuf};

use super::{App, Cli, EXIT_USAGE, Failure};
use crate::docs::{self, Docs};
use crate::migrations::{Migration, MigrationDir};

/// The docs directory: `--out`, else `docs/schema/` beside the migrations directory.
pub fn docs_dir(app: &App, cli: &Cli, out: Option<&Path>) -> PathBuf {
    out.map(Path::to_path_buf)
        .unwrap_or_else(|| docs::default_dir(&app.dir(cli)))
}

fn io_failure(dir: &Path, error: std::io::Error) -> Failure {
    Failure::new(
        EXIT_USAGE,
        format!("cannot write the schema docs in {}: {error}", dir.display()),
    )
}

/// The pages of the declared schema with these migrations.
pub fn declared_pages(
    app: &App,
    migrations: &[Migration],
) -> Result<std::collections::BTreeMap<String, String>, Failure> {
    let declared = app.declared()?;
    Ok(Docs::declared(&declared, migrations).pages())
}

/// Write the declared schema's pages to `dir`; returns the pages that changed.
pub fn write_declared(app: &App, migrations: &[Migration], dir: &Path) -> Result<Vec<String>, Failure> {
    let pages = declared_pages(app, migrations)?;
    docs::write(dir, &pages).map_err(|e| io_failure(dir, e))
}

/// The stale pages of `dir`, or `None` when the directory does not exist (the app keeps no docs).
pub fn stale_declared(
    app: &App,
    migrations: &[Migration],
    dir: &Path,
) -> Result<Option<Vec<String>>, Failure> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let pages = declared_pages(app, migrations)?;
    docs::stale(dir, &pages).map(Some).map_err(|e| {
        Failure::new(
            EXIT_USAGE,
            format!("cannot read the schema docs in {}: {e}", dir.display()),
        )
    })
}

/// `migrate docs [--out DIR] [--from-database]`.
pub async fn docs_command(
    app: &App,
    cli: &Cli,
    out: Option<&Path>,
    from_database: bool,
) -> Result<u8, Failure> {
    let dir = docs_dir(app, cli, out);
    let changed = if from_database {
        let url = super::commands::database_url(cli)?;
        // The schemas the application declares are read (an app adopting the tool may declare
        // none yet: then public); any other is listed as not documented.
        let options = match app.declared() {
            Ok(declared) => crate::inspect::InspectOptions::declared([&declared.schema]),
            Err(_) => crate::inspect::InspectOptions::default(),
        };
        let inspection = super::commands::inspect_url(url, &options).await?;
        let mut not_compared = inspection.unsupported.clone();
        not_compared.extend(
            inspection
                .invalid_indexes
                .iter()
                .map(|i| format!("invalid index {i} (left by a failed concurrent build)")),
        );
        not_compared.sort();
        let pages = Docs::database(&inspection.schema, &not_compared).pages();
        docs::write(&dir, &pages).map_err(|e| io_failure(&dir, e))?
    } else {
        let migrations_dir = MigrationDir::new(app.dir(cli));
        let migrations = if migrations_dir.exists() {
            migrations_dir.load()?
        } else {
            Vec::new()
        };
        write_declared(app, &migrations, &dir)?
    };
    if changed.is_empty() {
        println!("docs in {} are up to date", dir.display());
    } else {
        for page in &changed {
            println!("wrote {}", dir.join(page).display());
        }
    }
    Ok(0)
}
