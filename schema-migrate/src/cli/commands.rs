//! One function per command.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use schema_core::model::Schema;
use schema_core::{DeclaredSchema, Renames};
use serde::Serialize;

use super::output::{self, changes_text, findings_text, json, plan_report, plan_text};
use super::{App, Cli, Command, EXIT_DATABASE, EXIT_DIFFERENCES, EXIT_USAGE, Failure, Format, Source};
use crate::ack::{self, Ack, Acked};
use crate::apply::ApplyOptions;
use crate::diff::diff;
use crate::inspect::{InspectOptions, Inspection, Inspector, inspect};
use crate::lint::{LintOptions, Rule, lint_path};
use crate::migrations::{Migration, MigrationDir, NO_TRANSACTION_MARKER};
use crate::normalize::normalize;
use crate::plan::{HazardKind, Plan, PlanError, PlanOptions, Statement, plan, script, transaction_body};
use crate::rehearse::{Rehearsal, RehearseOptions, Sample};
use crate::runner::{self, DownTarget, State};
use crate::{cluster, db};

pub async fn dispatch(app: &App, cli: &Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Generate {
            description,
            empty,
            allow_destructive,
            unsafe_fast,
            ack,
        } => {
            let acks = ack
                .iter()
                .map(|a| Ack::parse(a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| Failure::new(EXIT_USAGE, message))?;
            generate(
                app,
                cli,
                description,
                *empty,
                plan_options(*allow_destructive, *unsafe_fast),
                acks,
            )
            .await
        }
        Command::Up {
            to,
            dry_run,
            allow_out_of_order,
        } => up(app, cli, to.as_deref(), *dry_run, *allow_out_of_order).await,
        Command::Down { steps, to, yes } => down(app, cli, *steps, to.clone(), *yes).await,
        Command::Resolve {
            version,
            applied,
            rolled_back: _,
        } => {
            let (_, migrations) = load_dir(app, cli)?;
            let url = database_url(cli)?;
            let resolution = if *applied {
                runner::Resolution::Applied
            } else {
                runner::Resolution::RolledBack
            };
            let done = runner::resolve(url, &migrations, version, resolution, &cli.apply_options()).await?;
            println!("{done}");
            Ok(0)
        }
        Command::Repair { update_checksums } => repair(app, cli, *update_checksums).await,
        Command::Status => status(app, cli).await,
        Command::Check {
            database,
            deny_hazard,
            distributed,
        } => check(app, cli, database.as_deref(), deny_hazard, *distributed).await,
        Command::Verify { rows } => verify(app, cli, *rows).await,
        Command::Rehearse { from, sample, rows } => {
            let sample = match (sample, rows) {
                (Some(percent), _) => Some(
                    Sample::parse_percent(percent).map_err(|message| Failure::new(EXIT_USAGE, message))?,
                ),
                (None, Some(rows)) => Some(Sample::Rows(*rows)),
                (None, None) => None,
            };
            rehearse(app, cli, from, sample).await
        }
        Command::Advise {
            queries,
            no_stats,
            top,
            max_indexes,
            min_gain,
            as_role,
            no_hypopg,
            sample,
            verify,
            min_stats_age,
        } => {
            let usage = |message: String| Failure::new(EXIT_USAGE, message);
            let Ok(Sample::Percent(min_gain)) = Sample::parse_percent(min_gain) else {
                return Err(usage(format!(
                    "--min-gain takes a percentage above 0 and at most 100, such as `10%`, not `{min_gain}`"
                )));
            };
            let min_gain = min_gain / 100.0;
            let sample = Sample::parse_percent(sample).map_err(usage)?;
            let min_stats_age = crate::advise::stats::parse_age(min_stats_age).map_err(usage)?;
            let options = crate::advise::AdviseOptions {
                queries: queries.clone(),
                statements: !no_stats,
                top: *top,
                max_indexes: *max_indexes,
                min_gain,
                role: as_role.clone(),
                no_hypopg: *no_hypopg,
                sample,
                copy_server: None,
                min_stats_age,
                verify: *verify,
            };
            advise(app, cli, &options).await
        }
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
            // The review gate: every snapshot must parse before the sum records them.
            let dir = MigrationDir::new(app.dir(cli));
            let migrations = dir.load()?;
            MigrationDir::check_snapshots(&migrations)?;
            dir.write_sum_of(&migrations)?;
            println!("wrote {}", dir.path.join(crate::migrations::SUM_FILE).display());
            Ok(0)
        }
        Command::Lint { paths, allow } => lint(app, cli, paths, allow),
        Command::Docs { out, from_database } => {
            super::docs::docs_command(app, cli, out.as_deref(), *from_database).await
        }
        Command::Pull {
            out,
            schema,
            baseline,
            tenant_root,
            global,
        } => {
            let args = super::pull::PullArgs {
                out: out.as_deref(),
                schemas: schema,
                baseline: *baseline,
                tenant_root: tenant_root.as_deref(),
                global,
            };
            super::pull::pull_command(app, cli, args).await
        }
    }
}

fn plan_options(allow_destructive: bool, fast: bool) -> PlanOptions {
    PlanOptions {
        allow_destructive,
        fast,
        ..PlanOptions::default()
    }
}

pub(super) fn database_url(cli: &Cli) -> Result<&str, Failure> {
    cli.database_url.as_deref().filter(|u| !u.is_empty()).ok_or_else(|| {
        Failure::new(
            EXIT_USAGE,
            "DATABASE_URL is not set: export it, put it in .env, or pass --database-url postgres://user@host/db",
        )
    })
}

fn destructive_failure(error: PlanError) -> Failure {
    if let PlanError::Collides { .. } = error {
        return Failure::new(EXIT_DIFFERENCES, error.to_string());
    }
    Failure::new(
        EXIT_DIFFERENCES,
        format!(
            "{error}\nrerun with --allow-destructive to accept the loss (the down migration recreates the structure, not the data)"
        ),
    )
}

/// A migration file's text: a header, the no-transaction marker when some statement cannot run
/// in a transaction, and the statements.
pub fn migration_sql(description: &str, direction: &str, statements: &[&Statement]) -> String {
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
    mut acks: Vec<Ack>,
) -> Result<u8, Failure> {
    let dir = MigrationDir::new(app.dir(cli));
    let migrations = if dir.exists() { dir.load()? } else { Vec::new() };
    // A broken snapshot first: it is the cause when the sum is stale too.
    let previous = latest_snapshot(&migrations)?;
    if !migrations.is_empty() {
        dir.check_sum_of(&migrations)?;
    }
    let now = time::OffsetDateTime::now_utc();
    if empty {
        let up = format!("-- {description}: up\n-- Hand-written migration: write the SQL here.\n");
        let down = format!("-- {description}: down\n-- Undo what up.sql does.\n");
        let written = dir.write(description, &up, &down, &previous, now)?;
        report_written(cli, description, &written, None);
        write_docs(app, cli, migrations, written)?;
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
    // What the user accepted, said once in the migration: --allow-destructive and declared
    // renames acknowledge themselves; --ack says the rest, with its reason.
    if options.allow_destructive
        && !acks
            .iter()
            .any(|a| a.what == Acked::Hazard(HazardKind::DeletesData))
    {
        acks.push(Ack {
            what: Acked::Hazard(HazardKind::DeletesData),
            reason: "accepted with --allow-destructive when generated".to_owned(),
        });
    }
    if !declared.renames.tables.is_empty() || !declared.renames.columns.is_empty() {
        acks.push(Ack {
            what: Acked::Rule(crate::lint::Rule::Rename),
            reason: "declared with renamed_from".to_owned(),
        });
    }
    let kinds: Vec<HazardKind> = plan
        .steps
        .iter()
        .flat_map(|s| s.hazards.iter().map(|h| h.kind))
        .collect();
    let header = ack::header(&acks, &kinds);
    let up = migration_sql(description, "up", &plan.up());
    let up = match up.split_once('\n') {
        // After the first line (the marker or the title), before the statements.
        Some((first, rest)) if !header.is_empty() => format!("{first}\n{header}{rest}"),
        _ => up,
    };
    let down = migration_sql(description, "down", &plan.down());
    let up_options = LintOptions {
        before: Some(previous.clone()),
        after: Some(declared.schema.clone()),
        ..LintOptions::default()
    };
    let (up, mut unacknowledged) = ack::annotate("up.sql", &up, &up_options, &acks);
    let down_options = LintOptions {
        before: Some(declared.schema.clone()),
        after: Some(previous.clone()),
        reverts: Some(crate::lint::created_by(&up)),
        ..LintOptions::default()
    };
    let (down, down_left) = ack::annotate("down.sql", &down, &down_options, &acks);
    unacknowledged.extend(down_left);
    let written = dir.write(description, &up, &down, &declared.schema, now)?;
    report_written(cli, description, &written, Some(&plan));
    for finding in &unacknowledged {
        eprintln!(
            "lint: {}/{}:{}: [{}] {} (accept it with --ack {}=REASON, or change the schema)",
            written.path.display(),
            finding.file,
            finding.line,
            finding.rule,
            finding.message,
            finding.rule
        );
    }
    write_docs(app, cli, migrations, written)?;
    Ok(0)
}

/// The schema docs rewritten with a new migration, so they change in the same commit.
fn write_docs(
    app: &App,
    cli: &Cli,
    mut migrations: Vec<Migration>,
    written: Migration,
) -> Result<(), Failure> {
    migrations.push(written);
    let docs_dir = super::docs::docs_dir(app, cli, None);
    let changed = super::docs::write_declared(app, &migrations, &docs_dir)?;
    if cli.format == Format::Text && !changed.is_empty() {
        println!(
            "updated {} page(s) of the schema docs in {}",
            changed.len(),
            docs_dir.display()
        );
    }
    Ok(())
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
    plan(
        previous,
        migration.snapshot.schema().ok()?,
        &Renames::default(),
        &options,
    )
    .ok()
    .filter(|p| !p.is_empty())
}

/// The newest migration's snapshot (the only one most commands read); empty with none.
fn latest_snapshot(migrations: &[Migration]) -> Result<Schema, Failure> {
    match migrations.last() {
        Some(migration) => Ok(migration.snapshot.schema()?.clone()),
        None => Ok(Schema::default()),
    }
}

#[derive(Serialize)]
struct PendingReport {
    version: String,
    description: String,
    steps: Vec<output::StepReport>,
    up_sql: String,
}

async fn up(
    app: &App,
    cli: &Cli,
    to: Option<&str>,
    dry_run: bool,
    allow_out_of_order: bool,
) -> Result<u8, Failure> {
    let (dir, migrations) = load_dir(app, cli)?;
    if migrations.is_empty() {
        return Err(Failure::new(
            EXIT_USAGE,
            format!(
                "{} has no migrations: pass the migrations directory with --dir, or write one with `migrate generate <description>`",
                dir.path.display()
            ),
        ));
    }
    // What `check` refuses, `up` refuses: files changed since they were hashed, and a snapshot
    // that does not parse (the newest one; the sum covers the others).
    latest_snapshot(&migrations)?;
    dir.check_sum_of(&migrations)?;
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
            previous = migration.snapshot.schema()?.clone();
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
    let options = ApplyOptions {
        allow_out_of_order,
        ..cli.apply_options()
    };
    let applied = runner::up(url, &migrations, to, &options).await?;
    if applied.is_empty() {
        println!("nothing to apply: the database is up to date");
    }
    for version in applied {
        println!("applied {version}");
    }
    Ok(0)
}

async fn down(
    app: &App,
    cli: &Cli,
    steps: Option<usize>,
    to: Option<String>,
    yes: bool,
) -> Result<u8, Failure> {
    let (dir, migrations) = load_dir(app, cli)?;
    dir.check_sum()?;
    let url = database_url(cli)?;
    let target = match to {
        Some(version) => DownTarget::To(version),
        None => DownTarget::Steps(steps.unwrap_or(1)),
    };
    if !yes {
        confirm_down(url, &migrations, &target).await?;
    }
    let reverted = runner::down(url, &migrations, target, &cli.apply_options()).await?;
    if reverted.is_empty() {
        println!("nothing to revert");
    }
    for version in reverted {
        println!("reverted {version}");
    }
    Ok(0)
}

/// Reverting more than one migration, or one that drops a table, is confirmed on a terminal and
/// needs `--yes` elsewhere.
async fn confirm_down(url: &str, migrations: &[Migration], target: &DownTarget) -> Result<(), Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    let client = db::connect(url).await?;
    let history = runner::history(&client).await?;
    drop(client);
    if let DownTarget::To(version) = target
        && !migrations.iter().any(|m| &m.version == version)
        && !history.iter().any(|r| &r.version == version)
    {
        return Err(runner::RunError::UnknownVersion {
            version: version.clone(),
        }
        .into());
    }
    let selected = runner::down_selection(&history, target);
    let drops: Vec<String> = selected
        .iter()
        .filter_map(|version| migrations.iter().find(|m| &m.version == version))
        .filter(|m| drops_table(&m.down))
        .map(Migration::name)
        .collect();
    if selected.len() <= 1 && drops.is_empty() {
        return Ok(());
    }
    let what = format!(
        "revert {} migration(s) ({}){}",
        selected.len(),
        selected.join(", "),
        if drops.is_empty() {
            String::new()
        } else {
            format!(", dropping tables and their data in {}", drops.join(", "))
        }
    );
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            EXIT_USAGE,
            format!("refusing to {what} without confirmation: pass --yes"),
        ));
    }
    eprint!("{what}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Failure::new(EXIT_USAGE, "not confirmed: nothing was reverted"))
    }
}

fn drops_table(script: &str) -> bool {
    crate::sql_split::split_statements(script)
        .iter()
        .any(|statement| {
            let tokens = crate::sql_split::significant_tokens(statement);
            tokens.first().is_some_and(|t| t.is_word("DROP"))
                && tokens.get(1).is_some_and(|t| t.is_word("TABLE"))
        })
}

async fn repair(app: &App, cli: &Cli, update: bool) -> Result<u8, Failure> {
    let (_, migrations) = load_dir(app, cli)?;
    let url = database_url(cli)?;
    let repairs = runner::repair(url, &migrations, update, &cli.apply_options()).await?;
    match cli.format {
        Format::Json => println!("{}", json(&repairs)),
        Format::Text => {
            if repairs.is_empty() {
                println!("nothing to repair: every applied migration's files match the history");
            }
            for r in &repairs {
                let state = if r.interrupted {
                    "interrupted; `up` resumes it with the edited file"
                } else {
                    "applied"
                };
                let verb = if update {
                    "recorded the files' checksum of"
                } else {
                    "files changed:"
                };
                println!(
                    "{verb} {}_{} ({state}; was {}, now {})",
                    r.version, r.description, r.recorded, r.file
                );
            }
            if !update && !repairs.is_empty() {
                println!("review the edits, then run `migrate repair --update-checksums` to accept them");
            }
        }
    }
    Ok(if update || repairs.is_empty() {
        0
    } else {
        EXIT_DIFFERENCES
    })
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
                    State::Reverting => "PARTLY REVERTED (interrupted; `down` resumes it)",
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
    // Something a person must look at is not success: CI and deploy scripts stop on it.
    let attention = statuses.iter().any(|s| {
        matches!(
            s.state,
            State::Failed | State::ChecksumMismatch | State::MissingFile | State::Reverting
        )
    });
    Ok(if attention { EXIT_DIFFERENCES } else { 0 })
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
    /// Denied hazard kinds a migration acknowledges (`-- migrate:ack`), with the reason.
    acknowledged_hazards: Vec<String>,
    /// Tenant tables without row-level security, and why.
    rls_opt_outs: Vec<String>,
    /// What the live database holds that the model cannot, so that drift does not cover it.
    not_compared: Vec<String>,
    /// Pages of the schema docs (`migrate docs`) that differ from what the declared schema gives.
    stale_docs: Vec<String>,
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
    // A directory that cannot be read, or whose sum is stale, is a configuration error (exit 2);
    // its snapshots say nothing then, so the declared schema is not compared with them.
    let mut broken = false;
    let migrations = match dir.load() {
        Ok(migrations) => migrations,
        Err(error) => {
            report.problems.push(error.to_string());
            broken = true;
            Vec::new()
        }
    };
    if !migrations.is_empty()
        && let Err(error) = dir.check_sum_of(&migrations)
    {
        report.problems.push(error.to_string());
        broken = true;
    }
    let latest = match latest_snapshot(&migrations) {
        Ok(latest) => latest,
        Err(failure) => {
            report.problems.push(failure.message);
            broken = true;
            Schema::default()
        }
    };
    let changes = if broken {
        Vec::new()
    } else {
        diff(&latest, &declared.schema, &declared.renames)
    };
    if !changes.is_empty() {
        report.problems.push(format!(
            "the declared schema differs from the latest migration's snapshot ({} change(s)): run `cargo run --bin migrate -- generate <description>`",
            changes.len()
        ));
        report.undeclared_changes = changes.iter().map(crate::plan::describe_change).collect();
    }
    if !broken {
        let docs_dir = super::docs::docs_dir(app, cli, None);
        if let Some(stale) = super::docs::stale_declared(app, &migrations, &docs_dir)?
            && !stale.is_empty()
        {
            report.problems.push(format!(
                "the schema docs in {} are stale ({} page(s)): run `cargo run --bin migrate -- docs`",
                docs_dir.display(),
                stale.len()
            ));
            report.stale_docs = stale;
        }
    }

    let mut pending: Option<BTreeSet<String>> = None;
    if let Some(url) = database {
        let url = if url.is_empty() { database_url(cli)? } else { url };
        let client = db::connect(url).await?;
        let live = inspect(&client, &InspectOptions::declared([&declared.schema]))
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
                let acknowledged = ack::acknowledged(&migration.up);
                for (kind, reason) in acknowledged.iter().filter(|(k, _)| denied.contains(k)) {
                    report.acknowledged_hazards.push(format!(
                        "{}: {} ({reason})",
                        migration.name(),
                        kind.name()
                    ));
                }
                for step in &plan.steps {
                    for hazard in step
                        .hazards
                        .iter()
                        .filter(|h| denied.contains(&h.kind) && !acknowledged.contains_key(&h.kind))
                    {
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
            previous = migration.snapshot.schema()?.clone();
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
            for page in &report.stale_docs {
                println!("  stale: {page}");
            }
            for h in &report.denied_hazards {
                println!("  denied: {h}");
            }
            for h in &report.acknowledged_hazards {
                println!("acknowledged: {h}");
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
                if let Some(pending) = &pending {
                    println!(
                        "ok: the database matches the declared schema ({} migration(s) applied, {} pending)",
                        migrations.len() - pending.len(),
                        pending.len()
                    );
                }
            }
        }
    }
    Ok(if report.ok {
        0
    } else if broken {
        EXIT_USAGE
    } else {
        EXIT_DIFFERENCES
    })
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

async fn verify(app: &App, cli: &Cli, rows: usize) -> Result<u8, Failure> {
    let (dir, migrations) = load_dir(app, cli)?;
    if !migrations.is_empty() {
        dir.check_sum_of(&migrations)?;
    }
    let server = cluster::Server::find(cli.database_url.as_deref()).await?;
    let started = std::time::Instant::now();
    let result = verify_on(server.url(), &migrations, rows).await;
    server.stop().await;
    match result? {
        Ok(steps) => {
            let mut reported = BTreeSet::new();
            for step in &steps {
                println!(
                    "  {}  {} ms{}",
                    step.name,
                    step.millis,
                    if step.rows > 0 {
                        format!(", {} generated row(s) before it", step.rows)
                    } else {
                        String::new()
                    }
                );
                for (table, reason) in &step.refused {
                    if reported.insert(table.clone()) {
                        println!("    no generated row fits {table} (it stays empty): {reason}");
                    }
                }
            }
            println!(
                "verified {} migration(s) in {:.1} s: up, down and up again each match their snapshots{}",
                steps.len(),
                started.elapsed().as_secs_f64(),
                if rows > 0 { ", on tables with rows" } else { "" }
            );
            Ok(0)
        }
        Err(message) => {
            println!("✗ {message}");
            Ok(EXIT_DIFFERENCES)
        }
    }
}

/// One migration verified: how long up, down and up again took, and the rows put in before it.
struct Verified {
    name: String,
    millis: u128,
    rows: usize,
    refused: Vec<(String, String)>,
}

/// Verify on one throwaway database for the whole history, and one more that snapshots are
/// normalized on (emptied for each, never created per migration: a database creation is a
/// checkpoint).
async fn verify_on(
    server_url: &str,
    migrations: &[Migration],
    rows: usize,
) -> Result<Result<Vec<Verified>, String>, Failure> {
    let scratch = crate::scratch::ScratchDb::create(server_url).await?;
    let normalizer = match crate::scratch::ScratchDb::create(server_url).await {
        Ok(normalizer) => normalizer,
        Err(error) => {
            let _ = scratch.drop_now().await;
            return Err(error.into());
        }
    };
    // Throwaway databases need no durable commits: not waiting for each WAL flush makes the
    // many small transactions of a history several times faster.
    let mut durable = Ok(());
    for db in [&scratch, &normalizer] {
        let sql = format!(
            "ALTER DATABASE \"{}\" SET synchronous_commit = off",
            db.name().replace('"', "\"\"")
        );
        if let Err(error) = async { db::execute(&db.connect().await?, &sql).await }.await {
            durable = Err(error);
        }
    }
    let result = match durable {
        Ok(()) => verify_steps(scratch.url(), &normalizer, migrations, rows).await,
        Err(error) => Err(error.into()),
    };
    let dropped = scratch.drop_now().await;
    normalizer.drop_now().await?;
    dropped?;
    result
}

/// The schemas of the database at `url` an application could keep objects in.
async fn namespaces_of(url: &str) -> Result<Vec<String>, Failure> {
    let client = db::connect(url).await?;
    Ok(crate::inspect::namespaces(&client)
        .await
        .map_err(crate::Error::from)?)
}

pub(super) async fn inspect_url(url: &str, options: &InspectOptions) -> Result<Inspection, Failure> {
    let client = db::connect(url).await?;
    Ok(inspect(&client, options).await.map_err(crate::Error::from)?)
}

/// `snapshot` as Postgres prints it, on the normalizing database that holds `from` (or nothing):
/// the plain plan from `from` applied, falling back to creating it from nothing. Read back over
/// `readers` (sessions of that database) at once.
async fn normalized_after(
    client: &tokio_postgres::Client,
    readers: &Inspector<'_>,
    from: Option<&Schema>,
    snapshot: &Schema,
) -> Result<Schema, crate::Error> {
    if let Some(from) = from {
        let options = PlanOptions {
            allow_destructive: true,
            fast: true,
            ..PlanOptions::default()
        };
        if let Ok(step) = plan(from, snapshot, &Renames::default(), &options)
            && crate::apply::apply_once(client, &step.up()).await.is_ok()
        {
            return Ok(readers
                .inspect(&InspectOptions::declared([from, snapshot]))
                .await?
                .schema);
        }
    }
    crate::normalize::normalize_on(client, snapshot).await
}

async fn verify_steps(
    url: &str,
    normalizer: &crate::scratch::ScratchDb,
    migrations: &[Migration],
    rows: usize,
) -> Result<Result<Vec<Verified>, String>, Failure> {
    let options = ApplyOptions::default();
    // One session runs the migrations for the whole history (a connection per run would cost
    // more than most migrations); each database is read back by two more at once, with the
    // catalog queries prepared and planned once.
    let (work, read_1, read_2, normalize_client, normalize_1, normalize_2) = tokio::try_join!(
        db::connect(url),
        db::connect(url),
        db::connect(url),
        normalizer.connect(),
        normalizer.connect(),
        normalizer.connect()
    )?;
    let readers = Inspector::prepare(&[&read_1, &read_2])
        .await
        .map_err(crate::Error::from)?;
    let normalize_readers = Inspector::prepare(&[&normalize_1, &normalize_2])
        .await
        .map_err(crate::Error::from)?;
    // Every schema any migration's snapshot declares.
    let snapshots = migrations
        .iter()
        .map(|m| m.snapshot.schema())
        .collect::<Result<Vec<&Schema>, _>>()?;
    let read_options = InspectOptions::declared(snapshots);
    let read_back = async || -> Result<Schema, Failure> {
        Ok(readers
            .inspect(&read_options)
            .await
            .map_err(crate::Error::from)?
            .schema)
    };
    // The database as read after the previous migration's up (the empty schema at first).
    let mut previous = Schema::default();
    // The snapshot the normalizing database holds now.
    let mut normalized: Option<Schema> = None;
    let mut verified = Vec::new();
    for (round, migration) in migrations.iter().enumerate() {
        let start = std::time::Instant::now();
        let snapshot = migration.snapshot.schema()?;
        let name = migration.name();
        for (script, transactional, after, what) in [
            (&migration.up, migration.up_transactional(), snapshot, "up"),
            (&migration.down, migration.down_transactional(), &previous, "down"),
        ] {
            if let Some(gap) = crate::isolation::gaps(script, transactional, after).first() {
                return Ok(Err(format!("{name}: {what} leaves tenant isolation open: {gap}")));
            }
        }
        // The normalizing database holds the previous snapshot: it takes the plain plan to this
        // one (a step, not the whole schema again, so verify stays linear in the history). It
        // works on its own database while the rows go in and the migration runs up on the other.
        let normalizing = normalized_after(
            &normalize_client,
            &normalize_readers,
            normalized.as_ref(),
            snapshot,
        );
        let working = async {
            // Rows first, so that what fails on a table with rows fails here. Enough of them to
            // use every label of every enum.
            let labels = previous.enums.iter().map(|e| e.values.len()).max().unwrap_or(0);
            let seeded = crate::seed::seed(
                &work,
                &previous,
                if rows == 0 { 0 } else { rows.max(labels) },
                round,
            )
            .await
            .map_err(|error| format!("{name}: generating rows before it failed: {error}"))?;
            let on_rows = if seeded.rows > 0 {
                format!(" (with {} generated row(s) in the tables)", seeded.rows)
            } else {
                String::new()
            };
            let up = runner::up_on(&work, migrations, Some(&migration.version), &options).await;
            Ok::<_, String>((seeded, on_rows, up))
        };
        let (expected, worked) = tokio::join!(normalizing, working);
        let mut expected = match expected {
            Ok(expected) => expected,
            Err(error) => {
                return Ok(Err(format!(
                    "{name}: its snapshot cannot be created on a database: {error}"
                )));
            }
        };
        normalized = Some(snapshot.clone());
        let (seeded, on_rows, up) = match worked {
            Ok(worked) => worked,
            Err(message) => return Ok(Err(message)),
        };
        if let Err(error) = up {
            return Ok(Err(format!("{name}: up failed{on_rows}: {error}")));
        }
        let after_up = read_back().await?;
        let mut remaining = diff(&after_up, &expected, &Renames::default());
        if !remaining.is_empty() {
            // Judged against the snapshot created from nothing, not a step from the previous one.
            expected = crate::normalize::normalize_on(&normalize_client, snapshot).await?;
            remaining = diff(&after_up, &expected, &Renames::default());
        }
        if !remaining.is_empty() {
            return Ok(Err(format!(
                "{name}: after up, the database differs from its snapshot:\n{}",
                changes_text(&remaining)
            )));
        }
        if let Err(error) = runner::down_on(&work, migrations, DownTarget::Steps(1), &options).await {
            return Ok(Err(format!("{name}: down failed{on_rows}: {error}")));
        }
        let after_down = read_back().await?;
        let remaining = diff(&after_down, &previous, &Renames::default());
        if !remaining.is_empty() {
            return Ok(Err(format!(
                "{name}: down does not restore the previous state; remaining differences:\n{}",
                changes_text(&remaining)
            )));
        }
        if let Err(error) = runner::up_on(&work, migrations, Some(&migration.version), &options).await {
            return Ok(Err(format!("{name}: up after down failed{on_rows}: {error}")));
        }
        let again = read_back().await?;
        let remaining = diff(&again, &after_up, &Renames::default());
        if !remaining.is_empty() {
            return Ok(Err(format!(
                "{name}: up after down differs from its snapshot:\n{}",
                changes_text(&remaining)
            )));
        }
        verified.push(Verified {
            name,
            millis: start.elapsed().as_millis(),
            rows: seeded.rows,
            refused: seeded.refused,
        });
        previous = after_up;
    }
    Ok(Ok(verified))
}

/// What a database side holds beside its schema: the names of objects not compared, and the
/// types its extensions made.
struct NotCompared {
    names: BTreeMap<String, String>,
    extension_types: BTreeMap<String, String>,
}

/// A schema source, and the server to normalize declared SQL on when the other side is a database.
async fn load_source(
    app: &App,
    cli: &Cli,
    source: &Source,
    declared: &Option<DeclaredSchema>,
    whole: Option<&InspectOptions>,
) -> Result<(Schema, Option<NotCompared>), Failure> {
    match source {
        Source::Database(url) => {
            // Two databases are read whole (`whole`); against a declaration, the schemas the
            // application declares are read, and any other is reported.
            let options = match (whole, declared) {
                (Some(whole), _) => whole.clone(),
                (None, Some(declared)) => InspectOptions::declared([&declared.schema]),
                (None, None) => InspectOptions::default(),
            };
            database_side(url, &options).await
        }
        Source::Migrations => {
            let (_, migrations) = load_dir(app, cli)?;
            Ok((latest_snapshot(&migrations)?, None))
        }
        Source::Declared => Ok((declared.as_ref().expect("loaded").schema.clone(), None)),
    }
}

/// A side of a diff read from the database at `url`, with what it holds that is not compared
/// (each warned about on stderr).
async fn database_side(
    url: &str,
    options: &InspectOptions,
) -> Result<(Schema, Option<NotCompared>), Failure> {
    let inspection = inspect_url(url, options).await?;
    // Never silently: what the model cannot hold is neither planned nor dropped.
    for note in &inspection.unsupported {
        eprintln!("warning: not compared: {note}");
    }
    Ok((
        inspection.schema,
        Some(NotCompared {
            names: inspection.unmodelled_names,
            extension_types: inspection.extension_types,
        }),
    ))
}

async fn diff_command(
    app: &App,
    cli: &Cli,
    from: &Source,
    to: &Source,
    down: bool,
    mut options: PlanOptions,
) -> Result<u8, Failure> {
    let declared = if *from == Source::Declared || *to == Source::Declared {
        Some(app.declared()?)
    } else {
        None
    };
    // Two databases: no declaration says which schemas are the application's, so every schema
    // either holds is read on both sides (one the other lacks reads as empty there).
    let whole = match (from, to) {
        (Source::Database(from), Source::Database(to)) => {
            let (from, to) = tokio::try_join!(namespaces_of(from), namespaces_of(to))?;
            Some(InspectOptions::whole(from.iter().chain(&to)))
        }
        _ => None,
    };
    // The two sides are read at once: two databases take the time of the slower one, each read
    // and decoded by a task of its own (on the two threads `run` gives this command).
    let ((mut from_schema, from_unmodelled), (mut to_schema, to_unmodelled)) = match (from, to, &whole) {
        (Source::Database(from_url), Source::Database(to_url), Some(whole)) => {
            let side = |url: &String| {
                let (url, options) = (url.clone(), whole.clone());
                tokio::spawn(async move { database_side(&url, &options).await })
            };
            let (from_side, to_side) = (side(from_url), side(to_url));
            // A side's panic is this command's, as when the sides were not tasks.
            let joined = |side: Result<_, tokio::task::JoinError>| {
                side.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
            };
            let (from_side, to_side) = tokio::join!(from_side, to_side);
            (joined(from_side)?, joined(to_side)?)
        }
        _ => tokio::try_join!(
            load_source(app, cli, from, &declared, whole.as_ref()),
            load_source(app, cli, to, &declared, whole.as_ref())
        )?,
    };
    let (from_db, to_db) = (from_unmodelled.is_some(), to_unmodelled.is_some());
    // The plan runs against `from`: it may not take a name that database gives to an object not
    // compared.
    // Which columns use an extension's types: the database's extensions say (either side).
    for seen in [&from_unmodelled, &to_unmodelled].into_iter().flatten() {
        options
            .extension_types
            .extend(seen.extension_types.iter().map(|(t, e)| (t.clone(), e.clone())));
    }
    options.unmodelled = from_unmodelled.map(|seen| seen.names).unwrap_or_default();
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

/// `rehearse`: the pending migrations up and down on a throwaway copy of `from`.
async fn rehearse(app: &App, cli: &Cli, from: &str, sample: Option<Sample>) -> Result<u8, Failure> {
    let (dir, migrations) = load_dir(app, cli)?;
    if !migrations.is_empty() {
        dir.check_sum_of(&migrations)?;
    }
    let source = crate::rehearse::connect_read_only(from).await?;
    let statuses = runner::status(&source, &migrations).await?;
    if let Some(stuck) = statuses
        .iter()
        .find(|s| !matches!(s.state, State::Pending | State::Applied))
    {
        return Err(Failure::new(
            EXIT_DATABASE,
            format!(
                "the source's migration {}_{} is {:?}: `up` would refuse it, so there is nothing to rehearse until it is resolved (`migrate status` says how)",
                stuck.version, stuck.description, stuck.state
            ),
        ));
    }
    let pending: Vec<&Migration> = migrations
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| s.state == State::Pending)
        .map(|(m, _)| m)
        .collect();
    if pending.is_empty() {
        drop(source);
        match cli.format {
            Format::Json => println!("{}", json(&serde_json::json!({ "pending": 0, "runs": [] }))),
            Format::Text => println!("nothing to rehearse: the source has every migration applied"),
        }
        return Ok(0);
    }
    // The copy goes to DATABASE_URL's server when one is given, else to the source's.
    let server_url = match cli.database_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => url.to_owned(),
        None => {
            let maintenance = crate::scratch::with_database(from, "postgres")?;
            if db::connect(&maintenance).await.is_ok() {
                maintenance
            } else {
                from.to_owned()
            }
        }
    };
    let options = RehearseOptions {
        sample,
        lock_timeout: std::time::Duration::from_millis(cli.lock_timeout),
        statement_timeout: std::time::Duration::from_secs(cli.statement_timeout),
    };
    let started = std::time::Instant::now();
    let work = async {
        let target = crate::rehearse::target(source, &server_url, sample.is_some()).await?;
        let (scratch, copy) =
            crate::rehearse::make_copy(from, &target, sample.unwrap_or(Sample::DEFAULT)).await?;
        let result = crate::rehearse::rehearse(scratch.url(), &pending, &options).await;
        scratch.drop_now().await?;
        let (runs, failure) = result?;
        Ok::<_, crate::Error>(Rehearsal { copy, runs, failure })
    };
    // Ctrl-C drops the work, and with it the copy (dropped from a thread of its own).
    let rehearsal = tokio::select! {
        result = work => result?,
        _ = tokio::signal::ctrl_c() => {
            return Err(Failure::new(EXIT_DATABASE, "interrupted: the rehearsal stopped and its copy was dropped; the source was only read"));
        }
    };
    match cli.format {
        Format::Json => println!("{}", json(&rehearsal)),
        Format::Text => print!(
            "{}",
            output::rehearsal_text(&rehearsal, pending.len(), started.elapsed())
        ),
    }
    Ok(if rehearsal.failure.is_some() {
        EXIT_DIFFERENCES
    } else {
        0
    })
}

async fn advise(app: &App, cli: &Cli, options: &crate::advise::AdviseOptions) -> Result<u8, Failure> {
    let url = database_url(cli)?;
    let declared = app.declared()?;
    if options.queries.is_none() && !options.statements {
        return Err(Failure::new(
            EXIT_USAGE,
            "no workload: --no-stats leaves only --queries FILE, and none was given",
        ));
    }
    let advice = crate::advise::advise(url, Some(&declared), options).await?;
    match cli.format {
        Format::Json => println!("{}", json(&advice)),
        Format::Text => print!("{}", output::advice_text(&advice)),
    }
    Ok(0)
}
