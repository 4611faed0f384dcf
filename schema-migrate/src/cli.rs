//! The `migrate` command line. An app's `migrate` binary is a few lines that hand its declared
//! schema and its migrations directory to [`run`]:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     schema_migrate::cli::run(billing_example::schema, env!("CARGO_MANIFEST_DIR"))
//! }
//! ```
//!
//! Exit codes: 0 success; 1 differences or violations found (check, verify, lint findings,
//! destructive plans refused, schema rules broken); 2 usage or configuration error (bad arguments, bad URL, missing
//! or corrupt migrations directory); 3 database error (unreachable server, failed statement, lock
//! timeout, refused history).

mod commands;
mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use schema_core::{DeclaredSchema, SchemaErrors};

/// Where a schema comes from, for `diff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Database(String),
    /// The migrations directory's latest snapshot.
    Migrations,
    /// The app's declared types.
    Declared,
}

impl std::str::FromStr for Source {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "migrations" => Ok(Source::Migrations),
            "declared" => Ok(Source::Declared),
            url if url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.contains('=') =>
            {
                Ok(Source::Database(url.to_owned()))
            }
            other => Err(format!(
                "`{other}` is neither a database URL (postgres://...), `migrations` nor `declared`"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Parser)]
#[command(
    name = "migrate",
    version,
    about = "Schema-as-code migrations for PostgreSQL: generate, apply, check and verify reversible migrations",
    after_help = "Exit codes: 0 success, 1 differences or violations found, 2 usage or configuration error, 3 database error.\nDATABASE_URL is read from the environment or from a .env file."
)]
pub struct Cli {
    /// The migrations directory (default: the app's `migrations/`).
    #[arg(long, global = true, value_name = "PATH")]
    pub dir: Option<PathBuf>,

    /// The database to migrate.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,

    /// Output format of status, check, generate, diff, lint and up --dry-run.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub format: Format,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diff the declared schema against the latest snapshot (no database needed) and write a new
    /// migration with up.sql, down.sql and the new snapshot.
    Generate {
        /// What the migration does, e.g. `add_invoices`.
        description: String,
        /// Write empty up.sql/down.sql for a hand-written migration; the snapshot is copied.
        #[arg(long)]
        empty: bool,
        /// Permit steps that delete data (dropped tables or columns, narrowed types).
        #[arg(long)]
        allow_destructive: bool,
        /// The plain plan for empty databases: no concurrent index builds, no NOT VALID, no timeouts.
        #[arg(long)]
        unsafe_fast: bool,
    },
    /// Apply pending migrations.
    Up {
        /// Stop after this version.
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Print what would run, with hazards, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Revert applied migrations (the newest one by default).
    Down {
        /// How many migrations to revert.
        #[arg(long, conflicts_with = "to")]
        steps: Option<usize>,
        /// Revert every migration newer than this version.
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
    },
    /// List migrations and whether each is applied.
    Status,
    /// Exit 0 when the declared schema equals the latest snapshot and the directory is
    /// consistent; 1 with a readable diff otherwise.
    Check {
        /// Also compare the live database (DATABASE_URL, or this URL) with the declared schema.
        #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
        database: Option<String>,
        /// Fail when a migration (a pending one, with --database) has this hazard; repeatable.
        #[arg(long = "deny-hazard", value_name = "KIND")]
        deny_hazard: Vec<String>,
        /// Also list every rule a distributed engine (Citus) would reject, and the calls that
        /// distribute the schema.
        #[arg(long)]
        distributed: bool,
    },
    /// On a throwaway database, apply every migration up, down and up again, comparing the schema
    /// with the snapshots at every step.
    Verify,
    /// Print the SQL that turns --from into --to (database URL, `migrations` or `declared`).
    Diff {
        #[arg(long)]
        from: Source,
        #[arg(long)]
        to: Source,
        /// Print the plan's down SQL instead of its up SQL.
        #[arg(long)]
        down: bool,
        /// Permit steps that delete data.
        #[arg(long)]
        allow_destructive: bool,
        /// The plain plan for empty databases.
        #[arg(long)]
        unsafe_fast: bool,
    },
    /// Rewrite migrations.sum after reviewing hand-edited or merged migrations.
    Hash,
    /// Check migration SQL, hand-written included, for statements that lock, rewrite or break a
    /// busy database.
    ///
    /// Exit 1 when there are findings. Suppress one with a comment on the line above its
    /// statement: `-- lint:allow <rule> <reason>`.
    Lint {
        /// SQL files or directories (default: the migrations directory, each migration's up.sql
        /// and down.sql).
        #[arg(value_name = "FILE|DIR")]
        paths: Vec<PathBuf>,
        /// Do not report this rule (e.g. `missing-organization-id`); repeatable.
        #[arg(long = "allow", value_name = "RULE")]
        allow: Vec<String>,
    },
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

pub const EXIT_DIFFERENCES: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_DATABASE: u8 = 3;

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl From<crate::Error> for Failure {
    fn from(error: crate::Error) -> Self {
        use crate::Error::*;
        let code = match &error {
            BadUrl { .. } | Io { .. } => EXIT_USAGE,
            Plan(_) => EXIT_DIFFERENCES,
            _ => EXIT_DATABASE,
        };
        Failure::new(code, error.to_string())
    }
}

impl From<crate::migrations::DirError> for Failure {
    fn from(error: crate::migrations::DirError) -> Self {
        Failure::new(EXIT_USAGE, error.to_string())
    }
}

impl From<crate::runner::RunError> for Failure {
    fn from(error: crate::runner::RunError) -> Self {
        use crate::runner::RunError::*;
        let code = match &error {
            // A version no migration has is a bad argument, found before touching the database.
            UnknownVersion { .. } => EXIT_USAGE,
            _ => EXIT_DATABASE,
        };
        Failure::new(code, error.to_string())
    }
}

/// What the app hands to the command line.
pub struct App {
    declared: Box<dyn Fn() -> Result<DeclaredSchema, SchemaErrors>>,
    default_dir: PathBuf,
}

impl App {
    pub fn declared(&self) -> Result<DeclaredSchema, Failure> {
        (self.declared)().map_err(|errors| Failure::new(EXIT_DIFFERENCES, errors.to_string()))
    }

    pub fn dir(&self, cli: &Cli) -> PathBuf {
        cli.dir.clone().unwrap_or_else(|| self.default_dir.clone())
    }
}

/// Run the command line for an app: `declared` builds its schema; `manifest_dir` is the app
/// crate's `env!("CARGO_MANIFEST_DIR")`, whose `migrations/` is the default directory (so the
/// binary finds it from the repository root and from the app's folder). A deployed binary whose
/// build directory is gone falls back to `./migrations`.
pub fn run(
    declared: impl Fn() -> Result<DeclaredSchema, SchemaErrors> + 'static,
    manifest_dir: &str,
) -> ExitCode {
    // A missing .env is normal; a malformed one is reported.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: cannot read .env: {error}");
        return ExitCode::from(EXIT_USAGE);
    }
    let cli = Cli::parse();
    let built_in = Path::new(manifest_dir).join("migrations");
    let default_dir = if built_in.is_dir() || !Path::new("migrations").is_dir() {
        built_in
    } else {
        PathBuf::from("migrations")
    };
    let app = App {
        declared: Box::new(declared),
        default_dir,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_DATABASE);
        }
    };
    match runtime.block_on(commands::dispatch(&app, &cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
