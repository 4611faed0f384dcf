//! The `migrate` command line. An app's `migrate` binary is a few lines that hand its declared
//! schema and its migrations directory to [`run`]:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     schema_migrate::cli::run(billing_example::schema, env!("CARGO_MANIFEST_DIR"))
//! }
//! ```
//!
//! Exit codes: 0 success; 1 differences or violations found (check, stale schema docs, verify, lint findings,
//! destructive plans refused, schema rules broken); 2 usage or configuration error (bad arguments, bad URL, missing
//! or corrupt migrations directory); 3 database error (unreachable server, failed statement, lock
//! timeout, refused history).

pub(crate) mod commands;
mod docs;
pub use commands::migration_sql;
mod output;
mod pull;

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

    /// Seconds to wait for the migration lock held by another runner.
    #[arg(
        long,
        global = true,
        env = "MIGRATE_LOCK_WAIT",
        default_value_t = 600,
        value_name = "SECONDS"
    )]
    pub lock_wait: u64,

    /// The runner's lock_timeout in milliseconds, for statements whose script sets none (0: none).
    #[arg(
        long,
        global = true,
        env = "MIGRATE_LOCK_TIMEOUT",
        default_value_t = 5000,
        value_name = "MS"
    )]
    pub lock_timeout: u64,

    /// The runner's statement_timeout in seconds, for statements whose script sets none (0: none).
    #[arg(
        long,
        global = true,
        env = "MIGRATE_STATEMENT_TIMEOUT",
        default_value_t = 3600,
        value_name = "SECONDS"
    )]
    pub statement_timeout: u64,

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
        /// Acknowledge a hazard kind (`rewrites_table`) or a lint rule (`drop-column`) with a
        /// reason, written into the migration so `lint` and `check --deny-hazard` accept it;
        /// repeatable.
        #[arg(long = "ack", value_name = "KIND=REASON")]
        ack: Vec<String>,
    },
    /// Apply pending migrations.
    Up {
        /// Stop after this version.
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Print what would run, with hazards, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply a pending migration older than one already applied (a branch merged late).
        #[arg(long)]
        allow_out_of_order: bool,
    },
    /// Revert applied migrations (the newest one by default).
    Down {
        /// How many migrations to revert.
        #[arg(long, conflicts_with = "to")]
        steps: Option<usize>,
        /// Revert every migration newer than this version.
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Revert without asking, when more than one migration or a dropped table is involved
        /// (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Record a hand fix: a failed, interrupted or hand-applied migration as `--applied`, or one
    /// whose changes were undone by hand as `--rolled-back`.
    Resolve {
        version: String,
        #[arg(long, conflicts_with = "rolled_back", required_unless_present = "rolled_back")]
        applied: bool,
        #[arg(long)]
        rolled_back: bool,
    },
    /// List applied migrations whose files changed since; with --update-checksums, accept the
    /// edits by recording the files' checksums.
    Repair {
        #[arg(long)]
        update_checksums: bool,
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
    Verify {
        /// Generated rows put into every table before each migration, so that failures that
        /// depend on data show (0: empty tables). At least one per label of the largest enum.
        #[arg(long, default_value_t = 3, value_name = "N")]
        rows: usize,
    },
    /// Copy the --from database (schema and rows) into a throwaway database, apply the pending
    /// migrations there statement by statement, timing each with the longest lock it held, then
    /// their downs; print the report. The source is only read; the copy is always dropped.
    Rehearse {
        /// The database to rehearse on (read only), e.g. production's URL.
        #[arg(long, value_name = "URL")]
        from: String,
        /// Copy this share of each table's rows (`1%`) instead of the whole database.
        #[arg(long, value_name = "PERCENT", conflicts_with = "rows")]
        sample: Option<String>,
        /// Copy at most N rows of each table instead of the whole database.
        #[arg(long, value_name = "N")]
        rows: Option<u64>,
    },
    /// Recommend indexes for the workload of the database (pg_stat_statements, and/or
    /// --queries FILE), each proven by the planner (HypoPG, or a real index rolled back on a
    /// copy) and printed as the attribute to add; report unused, duplicate and redundant indexes
    /// and unindexed foreign keys. Nothing is written to the database.
    Advise {
        /// Statements to advise on, separated by `;`; `-- calls: N` above one weighs it.
        #[arg(long, value_name = "FILE")]
        queries: Option<PathBuf>,
        /// Do not read pg_stat_statements (only --queries).
        #[arg(long)]
        no_stats: bool,
        /// How many of pg_stat_statements' top statements (by total time) to read.
        #[arg(long, default_value_t = 200, value_name = "N")]
        top: i64,
        /// At most this many recommendations.
        #[arg(long, default_value_t = 10, value_name = "N")]
        max_indexes: usize,
        /// The share of a statement's planner cost an index must save to count (10%).
        #[arg(long, default_value = "10%", value_name = "PERCENT")]
        min_gain: String,
        /// Plan as this role, under row-level security for one organization, as the app runs.
        #[arg(long, value_name = "ROLE")]
        as_role: Option<String>,
        /// Never create HypoPG's extension: prove candidates with real indexes on a copy.
        #[arg(long)]
        no_hypopg: bool,
        /// The copy's share of rows when it cannot be a template copy (`10%`).
        #[arg(long, default_value = "10%", value_name = "PERCENT")]
        sample: String,
        /// Run the recommended indexes as the migration `generate` writes on a throwaway copy and
        /// print each statement's EXPLAIN (ANALYZE, BUFFERS) before and after (run on the copy
        /// only, each in a transaction rolled back).
        #[arg(long)]
        verify: bool,
        /// Call no index unused while the statistics are younger than this since their reset
        /// (`7d`, `12h`, `30m`, `0`).
        #[arg(long, default_value = "7d", value_name = "AGE")]
        min_stats_age: String,
    },
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
    /// Write the schema documentation: an overview with a Mermaid ER diagram, one page per table
    /// (columns and their standards, keys, cascade reach, indexes, row-level security, triggers)
    /// and the migration history, from the declared schema (no database needed). `check` fails
    /// when the pages are stale; `generate` rewrites them.
    Docs {
        /// The directory (default: `docs/schema/` beside the migrations directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Document the live database (--database-url) instead, as the inspector reads it.
        #[arg(long)]
        from_database: bool,
    },
    /// Adopt an existing database: write its schema as Rust declarations (`#[derive(Table)]`,
    /// `#[derive(PgEnum)]`, `schema()`), report where it breaks the standards with the migration
    /// that fixes each, and list what the code does not reproduce.
    Pull {
        /// Write the Rust source here (default: stdout, with the report on stderr).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Read this Postgres schema (repeatable; default: every application schema).
        #[arg(long = "schema", value_name = "NAME")]
        schema: Vec<String>,
        /// Also write the first migration into the migrations directory (snapshot = the
        /// database); mark it applied with `resolve VERSION --applied`.
        #[arg(long)]
        baseline: bool,
        /// The tenant root table (default: the table `organization_id` keys reference).
        #[arg(long, value_name = "TABLE")]
        tenant_root: Option<String>,
        /// A table shared by every tenant, even with an `organization_id` (repeatable).
        #[arg(long = "global", value_name = "TABLE")]
        global: Vec<String>,
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

impl Cli {
    /// The passwords of every connection string given, to keep them out of messages whatever
    /// form they take there.
    fn secrets(&self) -> Vec<String> {
        let mut urls: Vec<&str> = self.database_url.iter().map(String::as_str).collect();
        match &self.command {
            Command::Diff { from, to, .. } => {
                for source in [from, to] {
                    if let Source::Database(url) = source {
                        urls.push(url);
                    }
                }
            }
            Command::Check {
                database: Some(url), ..
            } => urls.push(url),
            Command::Rehearse { from, .. } => urls.push(from),
            _ => {}
        }
        urls.into_iter().filter_map(crate::conninfo::password).collect()
    }

    /// The runner's options from the flags.
    pub fn apply_options(&self) -> crate::apply::ApplyOptions {
        use std::time::Duration;
        crate::apply::ApplyOptions {
            lock_wait: Duration::from_secs(self.lock_wait),
            lock_timeout: Duration::from_millis(self.lock_timeout),
            statement_timeout: Duration::from_secs(self.statement_timeout),
            progress: true,
            ..crate::apply::ApplyOptions::default()
        }
    }
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
            BadUrl { .. } | Io { .. } | Config(_) => EXIT_USAGE,
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
        if let Db(error) = error {
            return Failure::from(error);
        }
        let code = match &error {
            // A version no migration has is a bad argument, found before touching the database.
            UnknownVersion { .. } | Snapshot(_) => EXIT_USAGE,
            // Refused like a plan that collides, before anything ran.
            DownCollides { .. } => EXIT_DIFFERENCES,
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
    // A missing .env is normal; a malformed one is reported, without the line (it may hold a
    // password).
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        let what = match &error {
            dotenvy::Error::LineParse(_, index) => {
                format!("a line cannot be parsed (at character {index}; not shown, as it may hold a secret)")
            }
            dotenvy::Error::Io(error) => error.to_string(),
            _ => "it is malformed".to_owned(),
        };
        eprintln!("error: cannot read .env: {what}");
        return ExitCode::from(EXIT_USAGE);
    }
    // A closed pipe (`migrate status | head -1`) ends the process quietly, as it does `cat`,
    // instead of a panic in println!.
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let json_errors = wants_json(std::env::args());
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind::*;
            if matches!(
                error.kind(),
                DisplayHelp | DisplayVersion | DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                error.exit();
            }
            let failure = Failure::new(EXIT_USAGE, usage_line(&error.to_string()));
            return report(&failure, json_errors, &[]);
        }
    };
    let secrets = cli.secrets();
    let json_errors = cli.format == Format::Json;
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
    // A diff of two databases reads each side on a thread of its own (the rows of two large
    // schemas decode at once); every other command runs on one thread.
    let two_databases = matches!(
        &cli.command,
        Command::Diff {
            from: Source::Database(_),
            to: Source::Database(_),
            ..
        }
    );
    let mut builder = if two_databases {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2);
        builder
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_DATABASE);
        }
    };
    match runtime.block_on(commands::dispatch(&app, &cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => report(&failure, json_errors, &secrets),
    }
}

/// Print a failure as one line on stderr (`--format json`: one JSON object), without secrets.
fn report(failure: &Failure, json: bool, secrets: &[String]) -> ExitCode {
    let message = crate::conninfo::scrub(&failure.message, secrets);
    let message = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    if json {
        let value = serde_json::json!({ "error": { "code": failure.code, "message": message } });
        eprintln!("{value}");
    } else {
        eprintln!("error: {message}");
    }
    ExitCode::from(failure.code)
}

/// Whether the arguments ask for JSON, read before they are parsed (for a usage error).
fn wants_json(args: impl Iterator<Item = String>) -> bool {
    let args: Vec<String> = args.collect();
    args.iter().any(|a| a == "--format=json") || args.windows(2).any(|w| w[0] == "--format" && w[1] == "json")
}

/// clap's usage error on one line: its message and its tip, with where to read more.
fn usage_line(rendered: &str) -> String {
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("bad arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let tip = lines
        .find(|l| l.starts_with("tip:"))
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    format!("{first}{tip}; see `migrate --help`")
}
