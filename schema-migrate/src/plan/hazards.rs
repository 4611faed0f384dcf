//! What each change risks on a live database: its hazards, and the table locks it takes.

use std::fmt;

use serde::Serialize;

use schema_core::model::ColumnType;

use super::{Context, Hazard, HazardKind};
use crate::diff::Change;

/// A Postgres table lock mode (the ones DDL takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    AccessExclusive,
}

/// What other sessions cannot do while a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocks {
    /// Only other schema changes and VACUUM wait.
    SchemaChanges,
    /// INSERT, UPDATE and DELETE wait; reads go on.
    Writes,
    /// Everything waits, reads included.
    ReadsAndWrites,
}

/// How long a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Held {
    /// For a catalog update (bounded by lock_timeout while waiting for it).
    Briefly,
    /// While every row is scanned.
    WhileScanning,
    /// While the table is rewritten.
    WhileRewriting,
    /// While an index is built.
    WhileBuilding,
}

/// A table lock a step takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    pub table: String,
    pub mode: LockMode,
    pub held: Held,
    pub blocks: Blocks,
}

impl LockMode {
    pub fn blocks(self) -> Blocks {
        match self {
            LockMode::ShareUpdateExclusive => Blocks::SchemaChanges,
            LockMode::Share | LockMode::ShareRowExclusive => Blocks::Writes,
            LockMode::AccessExclusive => Blocks::ReadsAndWrites,
        }
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        })
    }
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = match self.held {
            Held::Briefly => "briefly",
            Held::WhileScanning => "while scanning it",
            Held::WhileRewriting => "while rewriting it",
            Held::WhileBuilding => "while building",
        };
        let blocks = match self.blocks {
            Blocks::SchemaChanges => "blocks only other schema changes",
            Blocks::Writes => "blocks writes",
            Blocks::ReadsAndWrites => "blocks reads and writes",
        };
        write!(f, "{} on {} {held} ({blocks})", self.mode, self.table)
    }
}

fn lock(table: &str, mode: LockMode, held: Held) -> Lock {
    Lock {
        table: table.to_owned(),
        mode,
        held,
        blocks: mode.blocks(),
    }
}

/// The table locks `change` takes on tables that exist before the plan.
pub(super) fn locks(change: &Change, cx: &Context) -> Vec<Lock> {
    use Change::*;
    use Held::*;
    use LockMode::*;
    // Whether the change's table takes the online form (partitioned tables do not).
    let online = cx.online && change.table().is_none_or(|t| !cx.partitioned.contains(t));
    let mut locks = Vec::new();
    match change {
        DropTable(t) => locks.push(lock(&t.name, AccessExclusive, Briefly)),
        DropPartition { table, partition } => {
            locks.push(lock(&partition.name, AccessExclusive, Briefly));
            if cx.exists(table) {
                locks.push(lock(table, AccessExclusive, Briefly));
            }
        }
        CreatePartition { table, .. } if cx.exists(table) => {
            locks.push(lock(table, AccessExclusive, Briefly));
        }
        ChangePartitionBound { table, to, .. } if cx.exists(table) => {
            locks.push(lock(table, AccessExclusive, Briefly));
            locks.push(lock(&to.name, AccessExclusive, WhileScanning));
        }
        Repartition { .. } => {}
        CreateEnum(_)
        | DropEnum(_)
        | AddEnumValues { .. }
        | CreateFunction(_)
        | DropFunction(_)
        | ReplaceFunction { .. }
        | CreateTable(_) => {}
        // Privileges change in the catalog only; reads and writes of the table go on.
        Grant { .. } | Revoke { .. } => {}
        RecreateEnum { columns, .. } => {
            for column in columns {
                locks.push(lock(&column.table, AccessExclusive, WhileRewriting));
            }
        }
        AlterColumn { table, from, to } if cx.exists(table) => {
            let rewrites = (from.ty != to.ty && !is_binary_compatible(&from.ty, &to.ty))
                || (from.generated != to.generated && to.generated.is_some());
            let scans = from.nullable && !to.nullable;
            // A new collation keeps the rows but rebuilds the column's indexes under the lock.
            let recollates = from.collation != to.collation;
            let held = if rewrites {
                WhileRewriting
            } else if recollates {
                WhileBuilding
            } else if scans && !online {
                WhileScanning
            } else {
                Briefly
            };
            locks.push(lock(table, AccessExclusive, held));
            if scans && online {
                locks.push(lock(table, ShareUpdateExclusive, WhileScanning));
            }
        }
        AddColumn { table, column } if cx.exists(table) => {
            let per_row = column.default.as_deref().is_some_and(is_volatile_default)
                || column.identity.is_some()
                || column.generated.is_some();
            locks.push(lock(
                table,
                AccessExclusive,
                if per_row { WhileRewriting } else { Briefly },
            ));
        }
        AddCheck { table, check } if cx.exists(table) && check.not_valid => {
            locks.push(lock(table, AccessExclusive, Briefly));
        }
        InvalidateCheck { table, .. } | IndexToUnique { table, .. } if cx.exists(table) => {
            locks.push(lock(table, AccessExclusive, Briefly));
        }
        UniqueToIndex { table, .. } if cx.exists(table) => {
            locks.push(lock(
                table,
                if online { ShareUpdateExclusive } else { Share },
                WhileBuilding,
            ));
            locks.push(lock(table, AccessExclusive, Briefly));
        }
        ValidateCheck { table, .. } if cx.exists(table) => {
            locks.push(lock(table, ShareUpdateExclusive, WhileScanning));
        }
        AlterForeignKey { table, from, to } if cx.exists(table) => {
            if from.deferrable != to.deferrable || to.not_valid {
                locks.push(lock(table, AccessExclusive, Briefly));
            }
            if from.not_valid && !to.not_valid {
                locks.push(lock(table, ShareUpdateExclusive, WhileScanning));
            }
        }
        AddCheck { table, .. } if cx.exists(table) => {
            if online {
                locks.push(lock(table, AccessExclusive, Briefly));
                locks.push(lock(table, ShareUpdateExclusive, WhileScanning));
            } else {
                locks.push(lock(table, AccessExclusive, WhileScanning));
            }
        }
        AddForeignKey { table, foreign_key } if cx.exists(table) => {
            if foreign_key.not_valid {
                locks.push(lock(table, ShareRowExclusive, Briefly));
            } else if online {
                locks.push(lock(table, ShareRowExclusive, Briefly));
                locks.push(lock(table, ShareUpdateExclusive, WhileScanning));
            } else {
                locks.push(lock(table, ShareRowExclusive, WhileScanning));
            }
            if cx.exists(&foreign_key.referenced_table) {
                locks.push(lock(&foreign_key.referenced_table, ShareRowExclusive, Briefly));
            }
        }
        // Partition by partition: `ON ONLY` the table builds nothing, each partition's build
        // lets writes through.
        CreateIndex { table, .. } if cx.builds_by_partition(table) => {
            locks.push(lock(table, Share, Briefly));
            for partition in cx.partitions_of(table) {
                locks.push(lock(partition, ShareUpdateExclusive, WhileBuilding));
            }
        }
        CreateIndex { table, .. } if cx.exists(table) => {
            locks.push(lock(
                table,
                if online { ShareUpdateExclusive } else { Share },
                WhileBuilding,
            ));
        }
        ReplaceIndex { table, .. } if cx.exists(table) => {
            if online {
                locks.push(lock(table, ShareUpdateExclusive, WhileBuilding));
            } else {
                locks.push(lock(table, AccessExclusive, Briefly));
                locks.push(lock(table, Share, WhileBuilding));
            }
        }
        DropIndex { table, .. } if cx.exists(table) => {
            locks.push(lock(
                table,
                if online {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                },
                Briefly,
            ));
        }
        AddPrimaryKey { table, .. }
        | AddUnique { table, .. }
        | ReplaceUnique { table, .. }
        | ReplacePrimaryKey { table, .. }
            if cx.exists(table) =>
        {
            locks.push(lock(
                table,
                if online { ShareUpdateExclusive } else { Share },
                WhileBuilding,
            ));
            locks.push(lock(table, AccessExclusive, Briefly));
        }
        CreateTrigger { table, .. } | DropTrigger { table, .. } if cx.exists(table) => {
            locks.push(lock(table, ShareRowExclusive, Briefly));
        }
        SetTableComment { table, .. } | SetColumnComment { table, .. } if cx.exists(table) => {
            locks.push(lock(table, ShareUpdateExclusive, Briefly));
        }
        // COMMENT ON INDEX / TYPE / VIEW locks the index, type or view, never the table: reads
        // and writes go on.
        SetIndexComment { .. } | SetEnumComment { .. } | SetViewComment { .. } => {}
        other => {
            if let Some(table) = other.table()
                && cx.exists(table)
            {
                locks.push(lock(table, AccessExclusive, Briefly));
            }
        }
    }
    locks
}

fn hazard(kind: HazardKind, message: impl Into<String>) -> Hazard {
    Hazard {
        kind,
        message: message.into(),
    }
}

pub(super) fn hazards(change: &Change, cx: &Context) -> Vec<Hazard> {
    use Change::*;
    use HazardKind::*;
    let mut found = Vec::new();
    match change {
        DropTable(t) => {
            found.push(hazard(
                DeletesData,
                format!("drops table {} and all its rows", t.name),
            ));
            found.push(hazard(
                Irreversible,
                "the down step recreates the table empty: its rows are not restored",
            ));
        }
        DropPartition { partition, .. } => {
            found.push(hazard(
                DeletesData,
                format!("drops partition {} and all its rows", partition.name),
            ));
            found.push(hazard(
                Irreversible,
                "the down step recreates the partition empty: its rows are not restored",
            ));
        }
        ChangePartitionBound { table, to, .. } if cx.exists(table) => {
            found.push(hazard(
                MayFail,
                format!(
                    "fails if a row of {} is outside its new bound, or inside another partition's",
                    to.name
                ),
            ));
        }
        DropColumn { table, column } => {
            found.push(hazard(
                DeletesData,
                format!("drops column {table}.{} and its values", column.name),
            ));
            found.push(hazard(
                Irreversible,
                "the down step recreates the column: its values are not restored",
            ));
        }
        AddColumn { table, column }
            if cx.exists(table)
                && !column.nullable
                && column.default.is_none()
                && column.identity.is_none()
                && column.generated.is_none() =>
        {
            found.push(hazard(
                MayFail,
                format!(
                    "NOT NULL column {} has no default: fails if {table} has rows",
                    column.name
                ),
            ));
        }
        AlterColumn { table, from, to } if cx.exists(table) => {
            // A domain converts as its base type does, and checks its constraints.
            let (from_base, to_base) = (cx.base_type(&from.ty), cx.base_type(&to.ty));
            if from.ty != to.ty && from_base != to_base && !is_lossless(from_base, to_base) {
                found.push(hazard(
                    DeletesData,
                    format!(
                        "narrows {table}.{} from {} to {}: values that do not fit fail the conversion or lose precision",
                        to.name, from.ty, to.ty
                    ),
                ));
            }
            if let Some(domain) = cx.domain(&to.ty)
                && from.ty != to.ty
                && (domain.not_null || !domain.checks.is_empty())
            {
                found.push(hazard(
                    MayFail,
                    format!(
                        "fails if a value of {table}.{} does not fit the constraints of domain {}",
                        to.name, domain.name
                    ),
                ));
            }
            if from.nullable && !to.nullable {
                let rewrites = from.ty != to.ty && !is_binary_compatible(&from.ty, &to.ty);
                if !cx.online || rewrites {
                    found.push(hazard(
                        ValidatesConstraint,
                        format!("SET NOT NULL scans {table} under an ACCESS EXCLUSIVE lock"),
                    ));
                } else {
                    found.push(hazard(
                        ValidatesConstraint,
                        format!(
                            "checks every row of {table} for NULLs in {} (without blocking writes)",
                            to.name
                        ),
                    ));
                }
                found.push(hazard(
                    MayFail,
                    format!("fails if {table}.{} holds NULLs", to.name),
                ));
            }
            let (old_options, new_options) = (
                from.identity_options.resolved(&to.ty),
                to.identity_options.resolved(&to.ty),
            );
            let narrows_sequence = old_options.min_value < new_options.min_value
                || old_options.max_value > new_options.max_value
                || old_options.increment.signum() != new_options.increment.signum();
            if from.identity.is_some() && to.identity.is_some() && narrows_sequence {
                found.push(hazard(
                    MayFail,
                    format!(
                        "fails if the current value of the identity sequence of {table}.{} is outside its new bounds \
                         (Postgres does not restart it: a restart could hand out values already used)",
                        to.name
                    ),
                ));
            }
        }
        RecreateEnum {
            from, to, dependents, ..
        } => {
            // Its dependents come back in the conversion's transaction, in their plain forms.
            for dependent in dependents {
                found.extend(hazards(dependent, &cx.plain()));
            }
            let removed: Vec<&str> = from
                .values
                .iter()
                .filter(|v| !to.values.contains(v))
                .map(String::as_str)
                .collect();
            if !removed.is_empty() {
                found.push(hazard(
                    DeletesData,
                    format!(
                        "removes value(s) {} from enum type {}: rows holding them make the conversion fail",
                        removed.join(", "),
                        to.name
                    ),
                ));
            }
        }
        DropExtension(extension) => {
            if let Some(users) = cx.extension_users.get(&extension.name)
                && !users.before.is_empty()
            {
                found.push(hazard(
                    DeletesData,
                    format!(
                        "drops extension {}, whose types {} used: their values go with them",
                        extension.name,
                        users.before.join(", ")
                    ),
                ));
            }
        }
        AlterExtension { from, to }
            if from.version != to.version
                && to
                    .version
                    .as_deref()
                    .is_some_and(|v| !super::sql::is_upgrade(from.version.as_deref(), v)) =>
        {
            found.push(hazard(
                MayFail,
                format!(
                    "extension {} has no update script to that version unless Postgres ships one: it is then \
                     dropped and created again, which Postgres refuses while objects outside it use it",
                    to.name
                ),
            ));
        }
        AlterDomain { from, to } => {
            let adds_check = to.checks.iter().any(|new| {
                !new.not_valid
                    && !from
                        .checks
                        .iter()
                        .any(|old| old.name == new.name && old.expression == new.expression && !old.not_valid)
            });
            if adds_check || (to.not_null && !from.not_null) {
                found.push(hazard(
                    ValidatesConstraint,
                    format!("checks every value of every column of domain {}", to.name),
                ));
                found.push(hazard(
                    MayFail,
                    format!("fails if a value of a column of domain {} does not fit", to.name),
                ));
            }
        }
        DropSequence(sequence) => found.push(hazard(
            Irreversible,
            format!(
                "drops sequence {}: the down creates it again from its start value, not where it was",
                sequence.name
            ),
        )),
        AlterSequence { from, to } => {
            let (old, new) = (
                from.options.resolved(&from.data_type),
                to.options.resolved(&to.data_type),
            );
            if new.min_value > old.min_value
                || new.max_value < old.max_value
                || old.increment.signum() != new.increment.signum()
            {
                found.push(hazard(
                    MayFail,
                    format!(
                        "fails if the current value of sequence {} is outside its new bounds",
                        to.name
                    ),
                ));
            }
        }
        AddPrimaryKey { table, .. }
        | AddUnique { table, .. }
        | ReplaceUnique { table, .. }
        | ReplacePrimaryKey { table, .. }
            if cx.exists(table) =>
        {
            found.push(hazard(
                BuildsIndex,
                format!("builds a unique index on {table}{}", building(cx, table)),
            ));
            found.push(hazard(
                MayFail,
                format!("fails if {table} has duplicate (or NULL) keys"),
            ));
        }
        AddCheck { table, check } | ValidateCheck { table, check }
            if cx.exists(table) && !matches!(change, AddCheck { .. } if check.not_valid) =>
        {
            found.push(hazard(
                ValidatesConstraint,
                format!("checks every row of {table} against {}", check.name),
            ));
            found.push(hazard(
                MayFail,
                format!("fails if a row of {table} violates {}", check.name),
            ));
        }
        AlterForeignKey { table, from, to } if cx.exists(table) && from.not_valid && !to.not_valid => {
            found.push(hazard(
                ValidatesConstraint,
                format!("checks every row of {table} against {}", to.referenced_table),
            ));
            found.push(hazard(
                MayFail,
                format!("fails if a row of {table} references a missing row"),
            ));
        }
        AddForeignKey { table, foreign_key } if cx.exists(table) && !foreign_key.not_valid => {
            found.push(hazard(
                ValidatesConstraint,
                format!(
                    "checks every row of {table} against {}",
                    foreign_key.referenced_table
                ),
            ));
            found.push(hazard(
                MayFail,
                format!("fails if a row of {table} references a missing row"),
            ));
        }
        UniqueToIndex { table, index, .. } if cx.exists(table) => {
            found.push(hazard(
                BuildsIndex,
                format!("builds index {} on {table}{}", index.name, building(cx, table)),
            ));
        }
        CreateIndex { table, index } | ReplaceIndex { table, to: index, .. } if cx.exists(table) => {
            found.push(hazard(
                BuildsIndex,
                format!("builds index {} on {table}{}", index.name, building(cx, table)),
            ));
            if index.unique {
                found.push(hazard(MayFail, format!("fails if {table} has duplicate keys")));
            }
        }
        _ => {}
    }
    // A strong lock held for long, or taken without a lock_timeout to bound the wait.
    for lock in locks(change, cx) {
        let long = lock.held != Held::Briefly;
        if lock.mode == LockMode::AccessExclusive && (long || !cx.online) {
            found.push(hazard(AccessExclusiveLock, format!("takes an {lock}")));
        }
        if lock.held == Held::WhileRewriting {
            found.push(hazard(
                RewritesTable,
                format!("rewrites {} under an ACCESS EXCLUSIVE lock", lock.table),
            ));
        }
    }
    found.dedup_by(|a, b| a.kind == b.kind && a.message == b.message);
    found
}

fn building(cx: &Context, table: &str) -> &'static str {
    if cx.builds_by_partition(table) {
        " partition by partition, concurrently (writes go on)"
    } else if cx.online(table) {
        " concurrently (writes go on)"
    } else {
        ", blocking writes"
    }
}

/// Whether Postgres converts `from` to `to` without a USING clause (an implicit or assignment
/// cast exists).
pub(super) fn converts_implicitly(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    let is_string = |t: &ColumnType| matches!(t, Text | Varchar(_) | Char(_));
    let is_number = |t: &ColumnType| {
        matches!(
            t,
            SmallInt | Integer | BigInt | Real | DoublePrecision | Numeric(_)
        )
    };
    match (from, to) {
        (a, b) if is_number(a) && is_number(b) => true,
        (a, b) if is_string(a) && is_string(b) => true,
        (Timestamp | Timestamptz | Date, Timestamp | Timestamptz) => true,
        (Timestamp | Timestamptz, Date) => true,
        (Json, Jsonb) | (Jsonb, Json) => true,
        (Inet, Cidr) | (Cidr, Inet) => true,
        (Array(a), Array(b)) => converts_implicitly(a, b),
        _ => false,
    }
}

fn integer_digits(ty: &ColumnType) -> Option<u32> {
    match ty {
        ColumnType::SmallInt => Some(5),
        ColumnType::Integer => Some(10),
        ColumnType::BigInt => Some(19),
        _ => None,
    }
}

/// Whether every value of `from` converts to `to` without loss or failure.
pub(super) fn is_lossless(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    match (from, to) {
        (a, b) if integer_digits(a).is_some() && integer_digits(b).is_some() => {
            integer_digits(a) <= integer_digits(b)
        }
        (a, Numeric(None)) if integer_digits(a).is_some() => true,
        (a, Numeric(Some((p, s)))) if integer_digits(a).is_some() => {
            p.saturating_sub(*s) >= integer_digits(a).unwrap_or(0)
        }
        (Numeric(Some(_)), Numeric(None)) => true,
        (Numeric(Some((p1, s1))), Numeric(Some((p2, s2)))) => {
            s2 >= s1 && p2.saturating_sub(*s2) >= p1.saturating_sub(*s1)
        }
        (Real, DoublePrecision) => true,
        (Varchar(Some(a)), Varchar(Some(b))) => a <= b,
        (Varchar(_), Varchar(None)) | (Varchar(_), Text) => true,
        (Text, Varchar(None)) => true,
        (Char(_), Text | Varchar(None)) => true,
        (Char(a), Varchar(Some(b))) => a <= b,
        (Date, Timestamp | Timestamptz) => true,
        // Between `timestamp[(p)]` and `timestamptz[(p)]`, either way: only a lower precision
        // rounds values.
        (a, b) if timestamp_precision(a).is_some() && timestamp_precision(b).is_some() => {
            timestamp_precision(a) <= timestamp_precision(b)
        }
        (Json, Jsonb) => true,
        (Cidr, Inet) => true,
        (_, Text) => true,
        (Array(a), Array(b)) => is_lossless(a, b),
        _ => false,
    }
}

/// The fractional-second precision of a timestamp type (6 when not given), or `None` for other
/// types. With a precision, Postgres spells the type out (`timestamp(3) with time zone`).
fn timestamp_precision(ty: &ColumnType) -> Option<u32> {
    match ty {
        ColumnType::Timestamp | ColumnType::Timestamptz => Some(6),
        ColumnType::Other(sql) => {
            let rest = sql.strip_prefix("timestamp(")?;
            let (digits, zone) = rest.split_once(')')?;
            matches!(zone, " with time zone" | " without time zone")
                .then(|| digits.parse().ok())
                .flatten()
        }
        _ => None,
    }
}

/// Whether the change from `from` to `to` needs neither a rewrite nor a scan.
pub(super) fn is_binary_compatible(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    match (from, to) {
        (Varchar(Some(a)), Varchar(Some(b))) => a <= b,
        (Varchar(_), Varchar(None) | Text) => true,
        (Text, Varchar(None)) => true,
        (Numeric(Some(_)), Numeric(None)) => true,
        (Numeric(Some((p1, s1))), Numeric(Some((p2, s2)))) => s1 == s2 && p2 >= p1,
        (Cidr, Inet) => true,
        (Array(a), Array(b)) => is_binary_compatible(a, b),
        _ => false,
    }
}

/// Defaults whose value differs per row: adding a column with one rewrites the table.
pub(super) fn is_volatile_default(default: &str) -> bool {
    const VOLATILE: [&str; 8] = [
        "gen_random_uuid",
        "uuid_generate_v",
        "random(",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "statement_timestamp",
        "txid_current",
    ];
    let lower = default.to_ascii_lowercase();
    VOLATILE.iter().any(|f| lower.contains(f))
}
