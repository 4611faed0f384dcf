//! Getting out of a state that needs a person, as Prisma's `migrate resolve` and Flyway's
//! `repair` do: after a hand fix, record a migration as applied or rolled back; after reviewing
//! an edit, record the files' checksums. Each checks first that the state is one it is meant for.

use serde::Serialize;

use tokio_postgres::Client;

use super::{ApplyOptions, HISTORY_TABLE, RunError, open, read_history, release, statement_error, units};
use crate::migrations::Migration;

/// What `resolve` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The migration's changes are in the database (finished by hand, or there from before).
    Applied,
    /// The migration's changes are not in the database (undone by hand, or never made).
    RolledBack,
}

/// Record a hand fix of `version`. Returns what was recorded, for the user.
pub async fn resolve(
    url: &str,
    migrations: &[Migration],
    version: &str,
    resolution: Resolution,
    options: &ApplyOptions,
) -> Result<String, RunError> {
    let (client, table) = open(url, options).await?;
    let result = resolve_locked(&client, &table, migrations, version, resolution).await;
    release(&client).await;
    result
}

async fn resolve_locked(
    client: &Client,
    table: &str,
    migrations: &[Migration],
    version: &str,
    resolution: Resolution,
) -> Result<String, RunError> {
    let history = read_history(client, table).await?;
    let row = history.iter().find(|row| row.version == version);
    let migration = migrations.iter().find(|m| m.version == version);
    let refuse = |reason: &str| {
        Err(RunError::CannotResolve {
            version: version.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let settled = row.is_some_and(|row| row.success && row.down_steps_done.is_none());
    match resolution {
        Resolution::Applied => {
            let Some(migration) = migration else {
                return refuse("no migration directory has this version (`migrate status` lists them)");
            };
            if let Some(row) = row.filter(|_| settled) {
                return if row.checksum == migration.checksum {
                    refuse("it is already applied")
                } else {
                    refuse(
                        "it is applied and its files changed since: review the change and record the files' checksum with \
                         `migrate repair --update-checksums`",
                    )
                };
            }
            let steps = if migration.up_transactional() {
                1
            } else {
                units(&migration.up).map(|u| u.len()).unwrap_or(0)
            };
            let steps = i32::try_from(steps).unwrap_or(i32::MAX);
            let sql = format!(
                "INSERT INTO {table} (version, description, checksum, applied_at, execution_ms, success, steps_done, error, \
                 down_steps_done) VALUES ($1, $2, $3, now(), 0, true, $4, NULL, NULL) \
                 ON CONFLICT (version) DO UPDATE SET description = EXCLUDED.description, checksum = EXCLUDED.checksum, \
                 applied_at = now(), success = true, steps_done = EXCLUDED.steps_done, error = NULL, down_steps_done = NULL"
            );
            client
                .execute(
                    &sql,
                    &[
                        &migration.version,
                        &migration.description,
                        &migration.checksum,
                        &steps,
                    ],
                )
                .await
                .map_err(statement_error(&sql))?;
            Ok(format!(
                "recorded {} as applied: `migrate up` goes on with the migrations after it",
                migration.name()
            ))
        }
        Resolution::RolledBack => {
            let Some(row) = row else {
                return refuse(&format!(
                    "it is not in {HISTORY_TABLE}: there is nothing to record (it is pending)"
                ));
            };
            if settled && migration.is_some() {
                return refuse(
                    "it is fully applied: revert it with `migrate down`; --rolled-back records a failed, interrupted or \
                     partly reverted migration (or one whose directory is gone) after its changes were undone by hand",
                );
            }
            let sql = format!("DELETE FROM {table} WHERE version = $1");
            client
                .execute(&sql, &[&row.version])
                .await
                .map_err(statement_error(&sql))?;
            Ok(format!(
                "recorded {}_{} as rolled back: it is pending again",
                row.version, row.description
            ))
        }
    }
}

/// A history row whose checksum differs from its files'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repair {
    pub version: String,
    pub description: String,
    /// In the history table.
    pub recorded: String,
    /// Of the files.
    pub file: String,
    /// False for a fully applied migration: the edit changes nothing that already ran. True for
    /// an interrupted one, which resumes with the edited file.
    pub interrupted: bool,
}

/// The history rows whose files changed; with `update`, record the files' checksums (and
/// descriptions) in them. Rows without files are left to `resolve`.
pub async fn repair(
    url: &str,
    migrations: &[Migration],
    update: bool,
    options: &ApplyOptions,
) -> Result<Vec<Repair>, RunError> {
    let (client, table) = open(url, options).await?;
    let result = repair_locked(&client, &table, migrations, update).await;
    release(&client).await;
    result
}

async fn repair_locked(
    client: &Client,
    table: &str,
    migrations: &[Migration],
    update: bool,
) -> Result<Vec<Repair>, RunError> {
    let history = read_history(client, table).await?;
    let mut repairs = Vec::new();
    for row in &history {
        let Some(migration) = migrations.iter().find(|m| m.version == row.version) else {
            continue;
        };
        if row.checksum == migration.checksum {
            continue;
        }
        repairs.push(Repair {
            version: row.version.clone(),
            description: migration.description.clone(),
            recorded: row.checksum.clone(),
            file: migration.checksum.clone(),
            interrupted: !row.success,
        });
    }
    if update {
        let sql = format!("UPDATE {table} SET checksum = $2, description = $3 WHERE version = $1");
        for repair in &repairs {
            client
                .execute(&sql, &[&repair.version, &repair.file, &repair.description])
                .await
                .map_err(statement_error(&sql))?;
        }
    }
    Ok(repairs)
}
