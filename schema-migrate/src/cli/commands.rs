//! One function per command.

use std::collections::BTreeSet;
use std::path::PathBuf;

use schema_core::model::Schema;
use schema_core::{DeclaredSchema, Renames};
use serde::Serialize;

use super::output::{self, changes_text, findings_text, json, plan_report, plan_text};
use super::{App, Cli, Command, EXIT_DIFFERENCES, EXIT_USAGE, Failure, Format, Source};
use crate::apply::ApplyOptions;
use crate::diff::diff;
use crate::inspect::{InspectOptions, Inspection, inspect};
use crate::lint::{LintOptions, Rule, lint_path};
use crate::migrations::{Migration, MigrationDir, NO_TRANSACTION_MARKER};
use crate::normalize::normalize;
use crate::plan::{HazardKind, Plan, PlanError, PlanOptions, Statement, plan, script, transaction_body};
use crate::runner::{self, DownTarget, State};
use crate::{cluster, db};

pub async fn dispatch(app: &App, cli: &Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Generate {
            description,
            empty,
            allow_destructive,
            unsafe_fast,
        } => {
            generate(
                app,
                cli,
                description,
                *empty,
                plan_options(*allow_destructive, *unsafe_fast),
            )
            .await
        }
        Command::Up { to, dry_run } => up(app, cli, to.as_deref(), *dry_run).await,
        Command::Down { steps, to } => down(app, cli, *steps, to.clone()).await,
        Command::Status => status(app, cli).await,
        Command::Check {
            database,
            deny_hazard,
            distributed,
        } => check(app, cli, database.as_deref(), deny_hazard, *distributed).await,
        Command::Verify => verify(app, cli).await,
        Command::Diff {
            from,
            to,
            down,
            allow_destructive,
            unsafe_fast,
        } => {
            diff_command(
                app,
                cli,
                from,
                to,
                *down,
                plan_options(*allow_destructive, *unsafe_fast),
            )
            .await
        }
        Command::Hash => {
            let dir = MigrationDir::new(app.dir(cli));
            dir.load()?;
            dir.write_sum()?;
            println!("wrote {}", dir.path.join(crate::migrations::SUM_FILE).display());
            Ok(0)
        }
        Command::Lint { paths, allow } => lint(app, cli, paths, allow),
    }
}

fn plan_options(allow_destructive: bool, fast: bool) -> PlanOptions {
    PlanOptions {
        allow_destructive,
        fast,
        ..PlanOptions::default()
    }
}

fn database_url(cli: &Cli) -> Result<&str, Failure> {
    cli.database_url.as_deref().filter(|u| !u.is_empty()).ok_or_else(|| {
        Failure::new(
            EXIT_USAGE,
            "DATABASE_URL is not set: export it, put it in .env, or pass --database-url postgres://user@host/db",
        )
    })
}

fn destructive_failure(error: PlanError) -> Failure {
    Failure::new(
        EXIT_DIFFERENCES,
        format!(
            "{error}\nrerun with --allow-destructive to accept the loss (the down migration recreates the structure, not the data)"
        ),
    )
}

/// A migration file's text: a header, the no-transaction marker when some statement cannot run
/// in a transaction, and the statements.
fn migration_sql(description: &str, direction: &str, statements: &[&Statement]) -> String {
    let mut sql = String::new();
    let transactional = statements.iter().all(|s| s.transactional);
    if !transactional {
        sql.push_str(NO_TRANSACTION_MARKER);
        sql.push('\n');
    }
    sql.push_str(&format!("-- {description}: {direction}\n"));
    if statements.is_empty() {
        sql.push_str("-- (nothing to do)\n");
        return sql;
    }
    if transactional {
        sql.push_str(
            "-- Runs in one transaction (the runner opens it; with psql use --single-transaction).\n\n",
        );
        sql.push_str(&transaction_body(statements));
    } else {
        sql.push_str("-- Some statements cannot run in a transaction: the runner applies it step by step and resumes after a failure.\n\n");
        sql.push_str(&script(statements));
    }
    sql
}

#[derive(Serialize)]
struct GenerateReport<'a> {
    written: Option<String>,
    steps: Vec<output::StepReport>,
    description: &'a str,
}

async fn generate(
    app: &App,
    cli: &Cli,
    description: &str,
    empty: bool,
    options: PlanOptions,
) -> Result<u8, Failure> {
    let dir = MigrationDir::new(app.dir(cli));
    let migrations = if dir.exists() { dir.load()? } else { Vec::new() };
    if !migrations.is_empty() {
        dir.check_sum()?;
    }
    let previous = migrations.last().map(|m| m.snapshot.clone()).unwrap_or_default();
    let now = time::OffsetDateTime::now_utc();
    if empty {
        let up = format!("-- {description}: up\n-- Hand-written migration: write the SQL here.\n");
        let down = format!("-- {description}: down\n-- Undo what up.sql does.\n");
        let written = dir.write(description, &up, &down, &previous, now)?;
        report_written(cli, description, &written, None);
        return Ok(0);
    }
    let declared = app.declared()?;
    let plan = plan(&previous, &declared.schema, &declared.renames, &options).map_err(destructive_failure)?;
    if plan.is_empty() {
        match cli.format {
            Format::Text => println!("no changes: the declared schema matches the latest migration"),
            Format::Json => println!(
                "{}",
                json(&GenerateReport {
                    written: None,
                    steps: Vec::new(),
                    description
                })
            ),
        }
        return Ok(0);
    }
    let up = migration_sql(description, "up", &plan.up());
    let down = migration_sql(description, "down", &plan.down());
    let written = dir.write(description, &up, &down, &declared.schema, now)?;
    report_written(cli, description, &written, Some(&plan));
    Ok(0)
}

fn report_written(cli: &Cli, description: &str, written: &Migration, plan: Option<&Plan>) {
    match cli.format {
        Format::Text => {
            println!("wrote {}", written.path.display());
            if let Some(plan) = plan {
                print!("{}", plan_text(plan));
            }
        }
        Format::Json => println!(
            "{}",
            json(&GenerateReport {
                written: Some(written.path.display().to_string()),
                steps: plan.map(plan_report).unwrap_or_default(),
                description,
            })
        ),
    }
}

fn load_dir(app: &App, cli: &Cli) -> Result<(MigrationDir, Vec<Migration>), Failure> {
    let dir = MigrationDir::new(app.dir(cli));
    let migrations = dir.load()?;
    Ok((dir, migrations))
}

/// The plan a migration was generated from: its previous snapshot to its own. Hand-written
/// migrations (equal snapshots) have none.
fn migration_plan(previous: &Schema, migration: &Migration) -> Option<Plan> {
    let options = plan_options(true, false);
    plan(previous, &migration.snapshot, &Renames::default(), &options)
        .ok()
        .filter(|p| !p.is_empty())
}

#[derive(Serialize)]
struct PendingReport {
    version: String,
    description: String,
    steps: Vec<output::StepReport>,
    up_sql: String,
}

async fn up(app: &App, cli: &Cli, to: Option<&str>, dry_run: bool) -> Result<u8, Failure> {
    let (_, migrations) = load_dir(app, cli)?;
    let url = database_url(cli)?;
    if dry_run {
        runner::check_target(&migrations, to)?;
        let client = db::connect(url).await?;
        let statuses = runner::status(&client, &migrations).await?;
        let mut previous = Schema::default();
        let mut pending = Vec::new();
        for (migration, status) in migrations.iter().zip(&statuses) {
            if status.state != State::Applied {
                let steps = migration_plan(&previous, migration)
                    .map(|p| plan_report(&p))
                    .unwrap_or_default();
                pending.push(PendingReport {
                    version: migration.version.clone(),
                    description: migration.description.clone(),
                    steps,
                    up_sql: migration.up.clone(),
                });
            }
            previous = migration.snapshot.clone();
            if to == Some(migration.version.as_str()) {
                break;
            }
        }
        match cli.format {
            Format::Json => println!("{}", json(&pending)),
            Format::Text if pending.is_empty() => println!("nothing to apply"),
            Format::Text => {
                for p in &pending {
                    println!("would apply {}_{}", p.version, p.description);
                    for step in &p.steps {
                        println!("  + {}", step.summary);
                        for h in &step.hazards {
                            println!("      hazard {}: {}", h.kind, h.message);
                        }
                        for lock in &step.locks {
                            println!("      lock: {lock}");
                        }
                    }
                }
            }
        }
        return Ok(0);
    }
    let applied = runner::up(url, &migrations, to, &ApplyOptions::default()).await?;
    if applied.is_empty() {
        println!("nothing to apply: the database is up to date");
    }
    for version in applied {
        println!("applied {version}");
    }
    Ok(0)
}

async fn down(app: &App, cli: &Cli, steps: Option<usize>, to: Option<String>) -> Result<u8, Failure> {
    let (_, migrations) = load_dir(app, cli)?;
    let url = database_url(cli)?;
    let target = match to {
        Some(version) => DownTarget::To(version),
        None => DownTarget::Steps(steps.unwrap_or(1)),
    };
    let reverted = runner::down(url, &migrations, target, &ApplyOptions::default()).await?;
    if reverted.is_empty() {
        println!("nothing to revert");
    }
    for version in reverted {
        println!("reverted {version}");
    }
    Ok(0)
}

async fn status(app: &App, cli: &Cli) -> Result<u8, Failure> {
    let (_, migrations) = load_dir(app, cli)?;
    let url = database_url(cli)?;
    let client = db::connect(url).await?;
    let statuses = runner::status(&client, &migrations).await?;
    match cli.format {
        Format::Json => println!("{}", json(&statuses)),
        Format::Text => {
            if statuses.is_empty() {
                println!("no migrations");
            }
            for s in &statuses {
                let state = match s.state {
                    State::Pending => "pending",
                    State::Applied => "applied",
                    State::Failed => "FAILED (interrupted; `up` resumes it)",
                    State::ChecksumMismatch => "EDITED after it was applied",
                    State::MissingFile => "applied, but its files are missing",
                };
                let when = s
                    .applied
                    .as_ref()
                    .map(|a| format!("  ({}, {} ms)", a.applied_at, a.execution_ms))
                    .unwrap_or_default();
                println!("{}_{}  {state}{when}", s.version, s.description);
            }
        }
    }
    Ok(0)
}

#[derive(Serialize, Default)]
struct CheckReport {
    ok: bool,
    problems: Vec<String>,
    /// Changes from the latest snapshot to the declared schema.
    undeclared_changes: Vec<String>,
    /// Changes from the live database to the declared schema.
    drift: Vec<String>,
    denied_hazards: Vec<String>,
    /// Tenant tables without row-level security, and why.
    rls_opt_outs: Vec<String>,
    /// What the live database holds that the model cannot, so that drift does not cover it.
    not_compared: Vec<String>,
    /// With --distributed: the calls that distribute the schema.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    distribution: Vec<String>,
}

async fn check(
    app: &App,
    cli: &Cli,
    database: Option<&str>,
    deny: &[String],
    distributed: bool,
) -> Result<u8, Failure> {
    let mut report = CheckReport::default();
    let declared = app.declared()?;
    if distributed {
        let distribution = schema_core::distributed::check(&declared);
        report.problems.extend(
            distribution
                .violations
                .iter()
                .map(|v| format!("distributed: {v}")),
        );
        report.distribution = distribution.calls;
    }
    report.rls_opt_outs = declared
        .tables
        .iter()
        .filter_map(|t| {
            t.rls_exempt
                .as_ref()
                .map(|why| format!("{}: {why}", t.table.name))
        })
        .collect();
    let denied: BTreeSet<HazardKind> = deny
        .iter()
        .map(|name| {
            HazardKind::parse(name).ok_or_else(|| {
                let known: Vec<&str> = HazardKind::ALL.iter().map(|k| k.name()).collect();
                Failure::new(
                    EXIT_USAGE,
                    format!("unknown hazard `{name}`; known: {}", known.join(", ")),
                )
            })
        })
        .collect::<Result<_, _>>()?;

    let dir = MigrationDir::new(app.dir(cli));
    let migrations = match dir.load() {
        Ok(migrations) => migrations,
        Err(error) => {
            report.problems.push(error.to_string());
            Vec::new()
        }
    };
    if !migrations.is_empty()
        && let Err(error) = dir.check_sum()
    {
        report.problems.push(error.to_string());
    }
    let latest = migrations.last().map(|m| m.snapshot.clone()).unwrap_or_default();
    let changes = diff(&latest, &declared.schema, &declared.renames);
    if !changes.is_empty() {
        report.problems.push(format!(
            "the declared schema differs from the latest migration's snapshot ({} change(s)): run `cargo run --bin migrate -- generate <description>`",
            changes.len()
        ));
        report.undeclared_changes = changes.iter().map(crate::plan::describe_change).collect();
    }

    let mut pending: Option<BTreeSet<String>> = None;
    if let Some(url) = database {
        let url = if url.is_empty() { database_url(cli)? } else { url };
        let client = db::connect(url).await?;
        let live = inspect(&client, &InspectOptions::default())
            .await
            .map_err(crate::Error::from)?;
        let server = url.to_owned();
        let expected = normalize(&server, &declared.schema).await?;
        report.not_compared = live.unsupported.clone();
        let drift = diff(&live.schema, &expected, &Renames::default());
        if !drift.is_empty() {
            report.problems.push(format!(
                "the database differs from the declared schema ({} change(s)): apply pending migrations with `up`, or find who changed it by hand",
                drift.len()
            ));
            report.drift = drift.iter().map(crate::plan::describe_change).collect();
        }
        if let Some(role) = &declared.app_role {
            let escapes = crate::isolation::app_role_problems(&client, role)
                .await
                .map_err(|e| crate::Error::from(crate::inspect::InspectError::from(e)))?;
            report.problems.extend(escapes);
        }
        let statuses = runner::status(&client, &migrations).await?;
        pending = Some(
            statuses
                .iter()
                .filter(|s| s.state != State::Applied)
                .map(|s| s.version.clone())
                .collect(),
        );
    }
    if !denied.is_empty() {
        let mut previous = Schema::default();
        for migration in &migrations {
            let considered = pending.as_ref().is_none_or(|p| p.contains(&migration.version));
            if considered && let Some(plan) = migration_plan(&previous, migration) {
                for step in &plan.steps {
                    for hazard in step.hazards.iter().filter(|h| denied.contains(&h.kind)) {
                        report.denied_hazards.push(format!(
                            "{}: {} ({}: {})",
                            migration.name(),
                            step.summary,
                            hazard.kind.name(),
                            hazard.message
                        ));
                    }
                }
            }
            previous = migration.snapshot.clone();
        }
        if !report.denied_hazards.is_empty() {
            report
                .problems
                .push(format!("{} denied hazard(s) found", report.denied_hazards.len()));
        }
    }
    report.ok = report.problems.is_empty();
    match cli.format {
        Format::Json => println!("{}", json(&report)),
        Format::Text => {
            for problem in &report.problems {
                println!("✗ {problem}");
            }
            if !report.undeclared_changes.is_empty() {
                println!("changes not yet in a migration:");
                for c in &report.undeclared_changes {
                    println!("  - {c}");
                }
            }
            if !report.drift.is_empty() {
                println!("drift (database → declared):");
                for c in &report.drift {
                    println!("  - {c}");
                }
            }
            for h in &report.denied_hazards {
                println!("  denied: {h}");
            }
            for o in &report.rls_opt_outs {
                println!("row-level security opt-out: {o}");
            }
            for n in &report.not_compared {
                println!("not compared: {n}");
            }
            for call in &report.distribution {
                println!("distribute: {call}");
            }
            if report.ok {
                println!(
                    "ok: {} migration(s), the declared schema matches the latest snapshot",
                    migrations.len()
                );
            }
        }
    }
    Ok(if report.ok { 0 } else { EXIT_DIFFERENCES })
}

fn lint(app: &App, cli: &Cli, paths: &[PathBuf], allow: &[String]) -> Result<u8, Failure> {
    let allow = allow
        .iter()
        .map(|name| {
            Rule::parse(name).ok_or_else(|| {
                Failure::new(
                    EXIT_USAGE,
                    format!("unknown lint rule `{name}`; known: {}", Rule::known()),
                )
            })
        })
        .collect::<Result<BTreeSet<Rule>, Failure>>()?;
    let options = LintOptions {
        allow,
        ..LintOptions::default()
    };
    let targets = if paths.is_empty() {
        vec![app.dir(cli)]
    } else {
        paths.to_vec()
    };
    let mut findings = Vec::new();
    for target in &targets {
        if !target.exists() {
            return Err(Failure::new(
                EXIT_USAGE,
                format!(
                    "{} does not exist: pass SQL files or directories to lint, or --dir for the migrations directory",
                    target.display()
                ),
            ));
        }
        findings.extend(lint_path(target, &options)?);
    }
    match cli.format {
        Format::Json => println!("{}", json(&findings)),
        Format::Text => print!("{}", findings_text(&findings)),
    }
    Ok(if findings.is_empty() { 0 } else { EXIT_DIFFERENCES })
}

async fn verify(app: &App, cli: &Cli) -> Result<u8, Failure> {
    let (dir, migrations) = load_dir(app, cli)?;
    if !migrations.is_empty() {
        dir.check_sum()?;
    }
    let server = cluster::Server::find(cli.database_url.as_deref()).await?;
    let result = verify_on(server.url(), &migrations).await;
    server.stop().await;
    let count = result?;
    match count {
        Ok(n) => {
            println!("verified {n} migration(s): up, down and up again each match their snapshots");
            Ok(0)
        }
        Err(message) => {
            println!("✗ {message}");
            Ok(EXIT_DIFFERENCES)
        }
    }
}

async fn verify_on(server_url: &str, migrations: &[Migration]) -> Result<Result<usize, String>, Failure> {
    let scratch = crate::scratch::ScratchDb::create(server_url).await?;
    let result = verify_steps(server_url, scratch.url(), migrations).await;
    scratch.drop_now().await?;
    result
}

async fn read(url: &str) -> Result<Schema, Failure> {
    Ok(inspect_url(url).await?.schema)
}

async fn inspect_url(url: &str) -> Result<Inspection, Failure> {
    let client = db::connect(url).await?;
    Ok(inspect(&client, &InspectOptions::default())
        .await
        .map_err(crate::Error::from)?)
}

async fn verify_steps(
    server_url: &str,
    url: &str,
    migrations: &[Migration],
) -> Result<Result<usize, String>, Failure> {
    let options = ApplyOptions::default();
    let mut previous = Schema::default();
    for migration in migrations {
        let expected = normalize(server_url, &migration.snapshot).await?;
        let name = migration.name();
        let isolation = [
            (
                &migration.up,
                migration.up_transactional(),
                &migration.snapshot,
                "up",
            ),
            (&migration.down, migration.down_transactional(), &previous, "down"),
        ];
        for (script, transactional, after, what) in isolation {
            if let Some(gap) = crate::isolation::gaps(script, transactional, after).first() {
                return Ok(Err(format!("{name}: {what} leaves tenant isolation open: {gap}")));
            }
        }
        if let Err(error) = runner::up(url, migrations, Some(&migration.version), &options).await {
            return Ok(Err(format!("{name}: up failed: {error}")));
        }
        let after_up = read(url).await?;
        let remaining = diff(&after_up, &expected, &Renames::default());
        if !remaining.is_empty() {
            return Ok(Err(format!(
                "{name}: after up, the database differs from its snapshot:\n{}",
                changes_text(&remaining)
            )));
        }
        if let Err(error) = runner::down(url, migrations, DownTarget::Steps(1), &options).await {
            return Ok(Err(format!("{name}: down failed: {error}")));
        }
        let after_down = read(url).await?;
        let remaining = diff(&after_down, &previous, &Renames::default());
        if !remaining.is_empty() {
            return Ok(Err(format!(
                "{name}: down does not restore the previous state; remaining differences:\n{}",
                changes_text(&remaining)
            )));
        }
        if let Err(error) = runner::up(url, migrations, Some(&migration.version), &options).await {
            return Ok(Err(format!("{name}: up after down failed: {error}")));
        }
        let again = read(url).await?;
        let remaining = diff(&again, &expected, &Renames::default());
        if !remaining.is_empty() {
            return Ok(Err(format!(
                "{name}: up after down differs from its snapshot:\n{}",
                changes_text(&remaining)
            )));
        }
        previous = expected;
    }
    Ok(Ok(migrations.len()))
}

/// A schema source, and the server to normalize declared SQL on when the other side is a database.
async fn load_source(
    app: &App,
    cli: &Cli,
    source: &Source,
    declared: &Option<DeclaredSchema>,
) -> Result<(Schema, bool), Failure> {
    match source {
        Source::Database(url) => {
            let inspection = inspect_url(url).await?;
            // Never silently: what the model cannot hold is neither planned nor dropped.
            for note in &inspection.unsupported {
                eprintln!("warning: not compared: {note}");
            }
            Ok((inspection.schema, true))
        }
        Source::Migrations => {
            let (_, migrations) = load_dir(app, cli)?;
            Ok((
                migrations.last().map(|m| m.snapshot.clone()).unwrap_or_default(),
                false,
            ))
        }
        Source::Declared => Ok((declared.as_ref().expect("loaded").schema.clone(), false)),
    }
}

async fn diff_command(
    app: &App,
    cli: &Cli,
    from: &Source,
    to: &Source,
    down: bool,
    options: PlanOptions,
) -> Result<u8, Failure> {
    let declared = if *from == Source::Declared || *to == Source::Declared {
        Some(app.declared()?)
    } else {
        None
    };
    let (mut from_schema, from_db) = load_source(app, cli, from, &declared).await?;
    let (mut to_schema, to_db) = load_source(app, cli, to, &declared).await?;
    // Compare like with like: a declared or snapshot side is spelled the way Postgres prints it
    // by creating it on a throwaway database of the other side's server.
    let server = match (from, to) {
        (Source::Database(url), _) | (_, Source::Database(url)) => Some(url.clone()),
        _ => None,
    };
    if let Some(server) = &server {
        if !from_db {
            from_schema = normalize(server, &from_schema).await?;
        }
        if !to_db {
            to_schema = normalize(server, &to_schema).await?;
        }
    }
    let renames = match (&declared, to) {
        (Some(declared), Source::Declared) => declared.renames.clone(),
        _ => Renames::default(),
    };
    let plan = plan(&from_schema, &to_schema, &renames, &options).map_err(destructive_failure)?;
    match cli.format {
        Format::Json => println!("{}", json(&plan_report(&plan))),
        Format::Text => {
            if !plan.is_empty() {
                eprint!("{}", plan_text(&plan));
                let sql = if down {
                    plan.down_script()
                } else {
                    plan.up_script()
                };
                print!("{sql}");
            }
        }
    }
    Ok(0)
}
