//! Diff: two schema models in, the typed changes that turn one into the other out.
//!
//! Objects are matched by name. Renames are never guessed for tables and columns: they come from
//! `renamed_from` declarations ([`Renames`]). Indexes and constraints whose definitions are equal
//! but whose names differ are renamed rather than rebuilt (a renamed table keeps its old
//! constraint names in Postgres, for instance). Every [`Change`] knows its reverse, which is how
//! the planner writes down migrations.
//!
//! SQL expressions are compared as text: compare schemas whose expressions were printed the same
//! way (both declared, or both read back from Postgres; see `normalize`).

use std::collections::BTreeSet;

use serde::Serialize;

use schema_core::model::{
    CheckConstraint, Collation, Column, ColumnGrant, ColumnRef, ColumnType, Domain, EnumType, Extension,
    ForeignKey, Function, Grant, Index, IndexTarget, Partition, Policy, PrimaryKey, Privilege,
    RowLevelSecurity, Schema, Sequence, Table, Trigger, UniqueConstraint, View,
};
use schema_core::{ObjectKind, Renames};

use crate::sql_split::tokenize;

mod collations;
mod domains;
mod extensions;
mod functions;
mod moves;
mod partitions;
mod schemas;
mod sequences;
mod uniques;
mod views;

pub(crate) use functions::{columns_calling_rebuilt, rebuilt_functions, same_identity};

/// One typed change between two schemas.
// A plan holds tens of changes, not millions: boxing the large variants (a column's two states)
// would cost every match a dereference for no measurable gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// `CREATE SCHEMA IF NOT EXISTS`: a namespace the objects of `to` need.
    CreateSchema(String),
    /// `DROP SCHEMA` (RESTRICT): a namespace nothing declared is left in. It fails, rolling its
    /// transaction back, if anything not compared is still there.
    DropSchema(String),
    /// `GRANT USAGE ON SCHEMA`: `role` may look up the objects of namespace `schema` (it still
    /// needs privileges on each).
    GrantSchemaUsage {
        schema: String,
        role: String,
    },
    /// `REVOKE USAGE ON SCHEMA`.
    RevokeSchemaUsage {
        schema: String,
        role: String,
    },

    /// `CREATE EXTENSION`: before anything that may use what it makes.
    CreateExtension(Extension),
    /// `DROP EXTENSION`: after everything that used it (refused while a column keeps its type).
    DropExtension(Extension),
    /// A new version (`ALTER EXTENSION ... UPDATE`) or schema (`SET SCHEMA`).
    AlterExtension {
        from: Extension,
        to: Extension,
    },

    CreateCollation(Collation),
    DropCollation(Collation),
    /// A new definition under the same name: dropped and created again (Postgres has no `ALTER
    /// COLLATION` for it), refused while `used_by` (columns, index keys, domains) is not empty.
    ReplaceCollation {
        from: Collation,
        to: Collation,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        used_by: Vec<String>,
    },

    CreateDomain(Domain),
    DropDomain(Domain),
    /// Default, NOT NULL or checks change: `ALTER DOMAIN`, in place.
    AlterDomain {
        from: Domain,
        to: Domain,
    },
    /// A new base type or collation: dropped and created again, refused while `used_by` (the
    /// columns and domains of its type) is not empty.
    ReplaceDomain {
        from: Domain,
        to: Domain,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        used_by: Vec<String>,
    },

    CreateEnum(EnumType),
    DropEnum(EnumType),
    /// Values inserted, all existing values kept in order: `ALTER TYPE ... ADD VALUE`. It touches
    /// nothing else; `dependents` are for its reverse, a recreation. `policies` are replaced
    /// right after the values have committed (a new definition may use one), in one transaction.
    AddEnumValues {
        from: EnumType,
        to: EnumType,
        columns: Vec<EnumColumn>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        dependents: Vec<Change>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        policies: Vec<PolicySwap>,
    },
    /// Values removed or reordered, which Postgres cannot do in place: a new type is created and
    /// every column converted to it.
    ///
    /// `dependents` are the objects Postgres cannot carry across the conversion (see
    /// [`enum_dependents`]), as the changes that create them: the recreation drops them before it
    /// converts the columns and creates them again after, in its own transaction, so no other
    /// statement runs, and nothing commits, while they are missing. Everything else (indexes on
    /// plain columns, unrelated checks and indexes, the tenant policy) Postgres keeps.
    /// `policies` that change in the same plan are dropped with the dependents and created in
    /// their new form with them.
    RecreateEnum {
        from: EnumType,
        to: EnumType,
        columns: Vec<EnumColumn>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        dependents: Vec<Change>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        policies: Vec<PolicySwap>,
    },

    CreateFunction(Function),
    DropFunction(Function),
    ReplaceFunction {
        from: Function,
        to: Function,
    },

    /// A sequence, created without its owner (set by [`Change::SetSequenceOwner`]).
    CreateSequence(Sequence),
    DropSequence(Sequence),
    /// New data type or options (`ALTER SEQUENCE`); the owner is not part of either side.
    AlterSequence {
        from: Sequence,
        to: Sequence,
    },
    /// `OWNED BY`: either `from` or `to` is `None` (a move is a release and a new owner).
    SetSequenceOwner {
        sequence: String,
        from: Option<ColumnRef>,
        to: Option<ColumnRef>,
    },

    /// A view or materialized view, with a materialized view's indexes.
    CreateView(View),
    DropView(View),

    /// An enum type, sequence, view or function moved to another namespace and/or renamed, as
    /// declared: `ALTER ... SET SCHEMA`, then `RENAME TO`. `arguments`: a function's, which tell
    /// it from its overloads.
    MoveObject {
        object: ObjectKind,
        #[serde(skip_serializing_if = "is_false")]
        materialized: bool,
        from: String,
        to: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        arguments: Option<String>,
    },

    CreateTable(Table),
    DropTable(Table),
    RenameTable {
        from: String,
        to: String,
    },

    /// `CREATE TABLE "p" PARTITION OF "table" FOR VALUES ...`
    CreatePartition {
        table: String,
        partition: Partition,
    },
    /// The partition and its rows are dropped.
    DropPartition {
        table: String,
        partition: Partition,
    },
    /// Detached and attached again with the new bound; its rows stay (and must fit).
    ChangePartitionBound {
        table: String,
        from: Partition,
        to: Partition,
    },
    /// A table becomes partitioned, stops being so, or changes its partition key: Postgres cannot
    /// do that in place, and the planner refuses it with the expand/contract steps.
    Repartition {
        table: String,
        from: Option<String>,
        to: Option<String>,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        from: Column,
        to: Column,
    },

    AddPrimaryKey {
        table: String,
        primary_key: PrimaryKey,
    },
    DropPrimaryKey {
        table: String,
        primary_key: PrimaryKey,
    },
    /// A primary key over the same columns whose deferrability changes (Postgres alters it in
    /// place for foreign keys only): rebuilt as a unique constraint is, its new index built
    /// beside the old key and attached in its place, so the key stays enforced throughout.
    ReplacePrimaryKey {
        table: String,
        from: PrimaryKey,
        to: PrimaryKey,
    },
    AddUnique {
        table: String,
        unique: UniqueConstraint,
    },
    DropUnique {
        table: String,
        unique: UniqueConstraint,
    },
    /// A unique constraint over the same columns whose other attributes change (deferrability,
    /// `NULLS NOT DISTINCT`): the new index is built beside the old constraint and attached in
    /// its place, so the keys stay unique throughout.
    ReplaceUnique {
        table: String,
        from: UniqueConstraint,
        to: UniqueConstraint,
    },
    AddCheck {
        table: String,
        check: CheckConstraint,
    },
    DropCheck {
        table: String,
        check: CheckConstraint,
    },
    /// A check added `NOT VALID` is validated: `VALIDATE CONSTRAINT`.
    ValidateCheck {
        table: String,
        check: CheckConstraint,
    },
    /// A validated check becomes `NOT VALID` again, which Postgres cannot do in place: it is
    /// dropped and added `NOT VALID` (a catalog change, no scan).
    InvalidateCheck {
        table: String,
        check: CheckConstraint,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    /// A foreign key whose definition stays and whose state changes: its deferrability
    /// (`ALTER CONSTRAINT`, in place) or its validation (`VALIDATE CONSTRAINT`; un-validating
    /// drops it and adds it again `NOT VALID`, a catalog change without a scan).
    AlterForeignKey {
        table: String,
        from: ForeignKey,
        to: ForeignKey,
    },
    RenameConstraint {
        table: String,
        from: String,
        to: String,
    },
    /// A unique index becomes a unique constraint over the same columns: the index is attached
    /// (`USING INDEX`), so uniqueness holds throughout.
    IndexToUnique {
        table: String,
        index: Index,
        unique: UniqueConstraint,
    },
    /// A unique constraint becomes a unique index: the index is built beside the constraint
    /// before the constraint goes.
    UniqueToIndex {
        table: String,
        unique: UniqueConstraint,
        index: Index,
    },

    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    /// An index whose definition changes while its name stays: the online plan builds the new one
    /// beside the old and swaps them.
    ReplaceIndex {
        table: String,
        from: Index,
        to: Index,
    },
    RenameIndex {
        table: String,
        from: String,
        to: String,
    },

    SetRowLevelSecurity {
        table: String,
        from: RowLevelSecurity,
        to: RowLevelSecurity,
    },
    /// `GRANT privileges ON table TO role` (only the privileges the role did not have).
    Grant {
        table: String,
        grant: Grant,
    },
    /// `REVOKE privileges ON table FROM role`.
    Revoke {
        table: String,
        grant: Grant,
    },
    CreatePolicy {
        table: String,
        policy: Policy,
    },
    DropPolicy {
        table: String,
        policy: Policy,
    },
    CreateTrigger {
        table: String,
        trigger: Trigger,
    },
    DropTrigger {
        table: String,
        trigger: Trigger,
    },

    SetTableComment {
        table: String,
        from: Option<String>,
        to: Option<String>,
    },
    SetColumnComment {
        table: String,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// `COMMENT ON INDEX`: an index (of a table or a materialized view) whose definition stays.
    SetIndexComment {
        table: String,
        index: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// `COMMENT ON TYPE`: an enum type whose comment changes (a recreation carries the new one).
    SetEnumComment {
        name: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// `COMMENT ON [MATERIALIZED] VIEW`: a view that is not rebuilt (a rebuild carries it).
    SetViewComment {
        view: String,
        materialized: bool,
        from: Option<String>,
        to: Option<String>,
    },
}

/// A policy that changes in a plan that changes an enum type it names (or a column of that type
/// it names): the enum change replaces it, so that its drop and its creation commit together
/// whichever way the plan runs (see [`Change::AddEnumValues`] and [`Change::RecreateEnum`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySwap {
    pub table: String,
    pub from: Policy,
    pub to: Policy,
}

impl PolicySwap {
    fn reversed(&self) -> PolicySwap {
        PolicySwap {
            table: self.table.clone(),
            from: self.to.clone(),
            to: self.from.clone(),
        }
    }
}

/// A column whose type is (or is an array of) a changing enum, with its defaults on both sides.
/// The enum change converts it and owns its default while doing so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumColumn {
    pub table: String,
    pub column: String,
    pub array: bool,
    pub from_default: Option<String>,
    pub to_default: Option<String>,
}

impl EnumColumn {
    fn reversed(&self) -> EnumColumn {
        EnumColumn {
            from_default: self.to_default.clone(),
            to_default: self.from_default.clone(),
            ..self.clone()
        }
    }
}

/// The change that takes enum `from` to `to`: added values when `to` keeps every value of `from`
/// in order, else a recreation.
pub fn enum_change(from: EnumType, to: EnumType, columns: Vec<EnumColumn>) -> Change {
    enum_change_with(from, to, columns, Vec::new(), Vec::new())
}

fn enum_change_with(
    from: EnumType,
    to: EnumType,
    columns: Vec<EnumColumn>,
    dependents: Vec<Change>,
    policies: Vec<PolicySwap>,
) -> Change {
    if is_ordered_subset(&from.values, &to.values) {
        Change::AddEnumValues {
            from,
            to,
            columns,
            dependents,
            policies,
        }
    } else {
        Change::RecreateEnum {
            from,
            to,
            columns,
            dependents,
            policies,
        }
    }
}

/// Whether `small` appears in `large` in the same relative order.
fn is_ordered_subset(small: &[String], large: &[String]) -> bool {
    let mut rest = large.iter();
    small.iter().all(|value| rest.any(|candidate| candidate == value))
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Change {
    /// The change that undoes this one.
    pub fn reverse(&self) -> Change {
        use Change::*;
        let table_of = |t: &String| t.clone();
        match self {
            CreateExtension(e) => DropExtension(e.clone()),
            DropExtension(e) => CreateExtension(e.clone()),
            AlterExtension { from, to } => AlterExtension {
                from: to.clone(),
                to: from.clone(),
            },
            CreateCollation(c) => DropCollation(c.clone()),
            DropCollation(c) => CreateCollation(c.clone()),
            ReplaceCollation { from, to, used_by } => ReplaceCollation {
                from: to.clone(),
                to: from.clone(),
                used_by: used_by.clone(),
            },
            CreateDomain(d) => DropDomain(d.clone()),
            DropDomain(d) => CreateDomain(d.clone()),
            AlterDomain { from, to } => AlterDomain {
                from: to.clone(),
                to: from.clone(),
            },
            ReplaceDomain { from, to, used_by } => ReplaceDomain {
                from: to.clone(),
                to: from.clone(),
                used_by: used_by.clone(),
            },
            CreateEnum(e) => DropEnum(e.clone()),
            DropEnum(e) => CreateEnum(e.clone()),
            AddEnumValues {
                from,
                to,
                columns,
                dependents,
                policies,
            }
            | RecreateEnum {
                from,
                to,
                columns,
                dependents,
                policies,
            } => enum_change_with(
                to.clone(),
                from.clone(),
                columns.iter().map(EnumColumn::reversed).collect(),
                dependents.clone(),
                policies.iter().map(PolicySwap::reversed).collect(),
            ),
            CreateFunction(f) => DropFunction(f.clone()),
            DropFunction(f) => CreateFunction(f.clone()),
            ReplaceFunction { from, to } => ReplaceFunction {
                from: to.clone(),
                to: from.clone(),
            },
            CreateSequence(s) => DropSequence(s.clone()),
            DropSequence(s) => CreateSequence(s.clone()),
            AlterSequence { from, to } => AlterSequence {
                from: to.clone(),
                to: from.clone(),
            },
            SetSequenceOwner { sequence, from, to } => SetSequenceOwner {
                sequence: sequence.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            CreateSchema(name) => DropSchema(name.clone()),
            DropSchema(name) => CreateSchema(name.clone()),
            MoveObject {
                object,
                materialized,
                from,
                to,
                arguments,
            } => MoveObject {
                object: *object,
                materialized: *materialized,
                from: to.clone(),
                to: from.clone(),
                arguments: arguments.clone(),
            },
            GrantSchemaUsage { schema, role } => RevokeSchemaUsage {
                schema: schema.clone(),
                role: role.clone(),
            },
            RevokeSchemaUsage { schema, role } => GrantSchemaUsage {
                schema: schema.clone(),
                role: role.clone(),
            },
            CreateView(v) => DropView(v.clone()),
            DropView(v) => CreateView(v.clone()),
            CreateTable(t) => DropTable(t.clone()),
            DropTable(t) => CreateTable(t.clone()),
            RenameTable { from, to } => RenameTable {
                from: to.clone(),
                to: from.clone(),
            },
            CreatePartition { table, partition } => DropPartition {
                table: table_of(table),
                partition: partition.clone(),
            },
            DropPartition { table, partition } => CreatePartition {
                table: table_of(table),
                partition: partition.clone(),
            },
            ChangePartitionBound { table, from, to } => ChangePartitionBound {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            Repartition { table, from, to } => Repartition {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            AddColumn { table, column } => DropColumn {
                table: table_of(table),
                column: column.clone(),
            },
            DropColumn { table, column } => AddColumn {
                table: table_of(table),
                column: column.clone(),
            },
            RenameColumn { table, from, to } => RenameColumn {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            AlterColumn { table, from, to } => AlterColumn {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            AddPrimaryKey { table, primary_key } => DropPrimaryKey {
                table: table_of(table),
                primary_key: primary_key.clone(),
            },
            DropPrimaryKey { table, primary_key } => AddPrimaryKey {
                table: table_of(table),
                primary_key: primary_key.clone(),
            },
            AddUnique { table, unique } => DropUnique {
                table: table_of(table),
                unique: unique.clone(),
            },
            DropUnique { table, unique } => AddUnique {
                table: table_of(table),
                unique: unique.clone(),
            },
            ReplaceUnique { table, from, to } => ReplaceUnique {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            ReplacePrimaryKey { table, from, to } => ReplacePrimaryKey {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            AddCheck { table, check } => DropCheck {
                table: table_of(table),
                check: check.clone(),
            },
            DropCheck { table, check } => AddCheck {
                table: table_of(table),
                check: check.clone(),
            },
            IndexToUnique { table, index, unique } => UniqueToIndex {
                table: table_of(table),
                unique: unique.clone(),
                index: index.clone(),
            },
            UniqueToIndex { table, unique, index } => IndexToUnique {
                table: table_of(table),
                index: index.clone(),
                unique: unique.clone(),
            },
            ValidateCheck { table, check } => InvalidateCheck {
                table: table_of(table),
                check: check.clone(),
            },
            InvalidateCheck { table, check } => ValidateCheck {
                table: table_of(table),
                check: check.clone(),
            },
            AddForeignKey { table, foreign_key } => DropForeignKey {
                table: table_of(table),
                foreign_key: foreign_key.clone(),
            },
            DropForeignKey { table, foreign_key } => AddForeignKey {
                table: table_of(table),
                foreign_key: foreign_key.clone(),
            },
            AlterForeignKey { table, from, to } => AlterForeignKey {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            Grant { table, grant } => Revoke {
                table: table_of(table),
                grant: grant.clone(),
            },
            Revoke { table, grant } => Grant {
                table: table_of(table),
                grant: grant.clone(),
            },
            RenameConstraint { table, from, to } => RenameConstraint {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            CreateIndex { table, index } => DropIndex {
                table: table_of(table),
                index: index.clone(),
            },
            DropIndex { table, index } => CreateIndex {
                table: table_of(table),
                index: index.clone(),
            },
            RenameIndex { table, from, to } => RenameIndex {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            ReplaceIndex { table, from, to } => ReplaceIndex {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            SetRowLevelSecurity { table, from, to } => SetRowLevelSecurity {
                table: table_of(table),
                from: *to,
                to: *from,
            },
            CreatePolicy { table, policy } => DropPolicy {
                table: table_of(table),
                policy: policy.clone(),
            },
            DropPolicy { table, policy } => CreatePolicy {
                table: table_of(table),
                policy: policy.clone(),
            },
            CreateTrigger { table, trigger } => DropTrigger {
                table: table_of(table),
                trigger: trigger.clone(),
            },
            DropTrigger { table, trigger } => CreateTrigger {
                table: table_of(table),
                trigger: trigger.clone(),
            },
            SetTableComment { table, from, to } => SetTableComment {
                table: table_of(table),
                from: to.clone(),
                to: from.clone(),
            },
            SetColumnComment {
                table,
                column,
                from,
                to,
            } => SetColumnComment {
                table: table_of(table),
                column: column.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            SetIndexComment {
                table,
                index,
                from,
                to,
            } => SetIndexComment {
                table: table_of(table),
                index: index.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            SetEnumComment { name, from, to } => SetEnumComment {
                name: name.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            SetViewComment {
                view,
                materialized,
                from,
                to,
            } => SetViewComment {
                view: view.clone(),
                materialized: *materialized,
                from: to.clone(),
                to: from.clone(),
            },
        }
    }

    /// The table this change is about, if any.
    pub fn table(&self) -> Option<&str> {
        use Change::*;
        match self {
            CreateTable(t) | DropTable(t) => Some(&t.name),
            RenameTable { to, .. } => Some(to),
            CreatePartition { table, .. }
            | DropPartition { table, .. }
            | ChangePartitionBound { table, .. }
            | Repartition { table, .. }
            | AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumn { table, .. }
            | AddPrimaryKey { table, .. }
            | DropPrimaryKey { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | ReplaceUnique { table, .. }
            | ReplacePrimaryKey { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. }
            | ValidateCheck { table, .. }
            | InvalidateCheck { table, .. }
            | IndexToUnique { table, .. }
            | UniqueToIndex { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | AlterForeignKey { table, .. }
            | Grant { table, .. }
            | Revoke { table, .. }
            | RenameConstraint { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | RenameIndex { table, .. }
            | ReplaceIndex { table, .. }
            | SetRowLevelSecurity { table, .. }
            | CreatePolicy { table, .. }
            | DropPolicy { table, .. }
            | CreateTrigger { table, .. }
            | DropTrigger { table, .. }
            | SetTableComment { table, .. }
            | SetColumnComment { table, .. }
            | SetIndexComment { table, .. } => Some(table),
            CreateExtension(_)
            | DropExtension(_)
            | AlterExtension { .. }
            | CreateCollation(_)
            | DropCollation(_)
            | ReplaceCollation { .. }
            | CreateDomain(_)
            | DropDomain(_)
            | AlterDomain { .. }
            | ReplaceDomain { .. }
            | CreateEnum(_)
            | DropEnum(_)
            | AddEnumValues { .. }
            | RecreateEnum { .. }
            | CreateFunction(_)
            | DropFunction(_)
            | ReplaceFunction { .. }
            | CreateSequence(_)
            | DropSequence(_)
            | AlterSequence { .. }
            | CreateSchema(_)
            | DropSchema(_)
            | GrantSchemaUsage { .. }
            | RevokeSchemaUsage { .. }
            | MoveObject { .. }
            | CreateView(_)
            | DropView(_)
            | SetEnumComment { .. }
            | SetViewComment { .. } => None,
            SetSequenceOwner { from, to, .. } => to.as_ref().or(from.as_ref()).map(|c| c.table.as_str()),
        }
    }
}

/// The changes that turn `from` into `to`. `renames` are the renames declared on the `to` side.
pub fn diff(from: &Schema, to: &Schema, renames: &Renames) -> Vec<Change> {
    let mut changes = Vec::new();
    // Before the renames: a table renamed into a new namespace needs it created first.
    schemas::diff_schemas(from, to, &mut changes);
    schemas::diff_schema_usage(from, to, &mut changes);
    let from = apply_renames(from, to, renames, &mut changes);
    let from = &from;

    extensions::diff_extensions(from, to, &mut changes);
    collations::diff_collations(from, to, &mut changes);
    diff_enums(from, to, &mut changes);
    domains::diff_domains(from, to, &mut changes);
    functions::diff_functions(from, to, &mut changes);
    sequences::diff_sequences(from, to, &mut changes);

    for table in &from.tables {
        if to.table(&table.name).is_none() {
            drop_table(table, &mut changes);
        }
    }
    for table in &to.tables {
        match from.table(&table.name) {
            None => create_table(table, &mut changes),
            Some(old) => diff_table(old, table, &mut changes),
        }
    }
    uniques::keep_indexes(&mut changes);
    rebuild_dependents(from, to, &mut changes);
    functions::rebuild_dependents(from, to, &mut changes);
    views::diff_views(from, to, &mut changes);
    give_enum_column_defaults_to_enum_changes(&mut changes);
    dedup(changes)
}

/// Rename tables and columns in a copy of `from` as declared, recording the renames. A declared
/// rename applies only when the old name exists and the new one does not yet; once migrated it is
/// a no-op, so declarations can stay in code.
fn apply_renames(from: &Schema, to: &Schema, renames: &Renames, changes: &mut Vec<Change>) -> Schema {
    let mut renamed = from.clone();
    for rename in &renames.tables {
        let applies = renamed.table(&rename.from).is_some()
            && renamed.table(&rename.to).is_none()
            && to.table(&rename.to).is_some()
            && to.table(&rename.from).is_none();
        if !applies {
            continue;
        }
        changes.push(Change::RenameTable {
            from: rename.from.clone(),
            to: rename.to.clone(),
        });
        for table in &mut renamed.tables {
            if table.name == rename.from {
                table.name = rename.to.clone();
            }
            for fk in &mut table.foreign_keys {
                if fk.referenced_table == rename.from {
                    fk.referenced_table = rename.to.clone();
                }
            }
        }
    }
    moves::apply(&mut renamed, to, &renames.objects, changes);
    for rename in &renames.columns {
        let Some(target) = to.table(&rename.table) else {
            continue;
        };
        let Some(table) = renamed.table(&rename.table) else {
            continue;
        };
        let applies = table.column(&rename.from).is_some()
            && table.column(&rename.to).is_none()
            && target.column(&rename.to).is_some()
            && target.column(&rename.from).is_none();
        if !applies {
            continue;
        }
        changes.push(Change::RenameColumn {
            table: rename.table.clone(),
            from: rename.from.clone(),
            to: rename.to.clone(),
        });
        let swap = |name: &mut String| {
            if *name == rename.from {
                *name = rename.to.clone();
            }
        };
        for table in &mut renamed.tables {
            if table.name == rename.table {
                table.column_mut(&rename.from).expect("checked above").name = rename.to.clone();
                if let Some(pk) = &mut table.primary_key {
                    pk.columns.iter_mut().for_each(swap);
                }
                for unique in &mut table.uniques {
                    unique.columns.iter_mut().for_each(swap);
                }
                for fk in &mut table.foreign_keys {
                    fk.columns.iter_mut().for_each(swap);
                }
                for index in &mut table.indexes {
                    for key in &mut index.keys {
                        if let IndexTarget::Column(column) = &mut key.target {
                            swap(column);
                        }
                    }
                    index.include.iter_mut().for_each(swap);
                }
                for grant in &mut table.grants {
                    for on_columns in &mut grant.columns {
                        on_columns.columns.iter_mut().for_each(swap);
                    }
                }
            }
            for fk in &mut table.foreign_keys {
                if fk.referenced_table == rename.table {
                    fk.referenced_columns.iter_mut().for_each(swap);
                }
            }
        }
    }
    renamed
}

fn enum_columns(from: &Schema, to: &Schema, enum_name: &str) -> Vec<EnumColumn> {
    let mut columns = Vec::new();
    for table in &from.tables {
        let Some(target) = to.table(&table.name) else {
            continue;
        };
        for column in &table.columns {
            let Some(new) = target.column(&column.name) else {
                continue;
            };
            if column.ty.enum_name() == Some(enum_name) && new.ty == column.ty {
                columns.push(EnumColumn {
                    table: table.name.clone(),
                    column: column.name.clone(),
                    array: matches!(column.ty, ColumnType::Array(_)),
                    from_default: column.default.clone(),
                    to_default: new.default.clone(),
                });
            }
        }
    }
    columns
}

fn diff_enums(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    for old in &from.enums {
        match to.enum_type(&old.name) {
            None => changes.push(Change::DropEnum(old.clone())),
            Some(new) => {
                if new.values != old.values {
                    changes.push(enum_change(
                        old.clone(),
                        new.clone(),
                        enum_columns(from, to, &old.name),
                    ));
                }
                // A recreation creates the type with its comment; one whose reverse adds values
                // (which keeps the type) needs the comment set on its own.
                let recreated_both_ways = !is_ordered_subset(&old.values, &new.values)
                    && !is_ordered_subset(&new.values, &old.values);
                if new.comment != old.comment && !recreated_both_ways {
                    changes.push(Change::SetEnumComment {
                        name: new.name.clone(),
                        from: old.comment.clone(),
                        to: new.comment.clone(),
                    });
                }
            }
        }
    }
    for new in &to.enums {
        if from.enum_type(&new.name).is_none() {
            changes.push(Change::CreateEnum(new.clone()));
        }
    }
}

/// A new table is created bare; the objects that can reference other tables (foreign keys,
/// policies, triggers) are separate changes, so tables can be created in any order.
fn create_table(table: &Table, changes: &mut Vec<Change>) {
    changes.push(Change::CreateTable(table.clone()));
    partitions::create_partitions(table, changes);
    for fk in &table.foreign_keys {
        changes.push(Change::AddForeignKey {
            table: table.name.clone(),
            foreign_key: fk.clone(),
        });
    }
    for policy in &table.policies {
        changes.push(Change::CreatePolicy {
            table: table.name.clone(),
            policy: policy.clone(),
        });
    }
    for trigger in &table.triggers {
        changes.push(Change::CreateTrigger {
            table: table.name.clone(),
            trigger: trigger.clone(),
        });
    }
    for grant in &table.grants {
        changes.push(Change::Grant {
            table: table.name.clone(),
            grant: grant.clone(),
        });
    }
}

fn drop_table(table: &Table, changes: &mut Vec<Change>) {
    // Revoked first (DROP TABLE would take them along) so the reverse grants them again.
    for grant in &table.grants {
        changes.push(Change::Revoke {
            table: table.name.clone(),
            grant: grant.clone(),
        });
    }
    for trigger in &table.triggers {
        changes.push(Change::DropTrigger {
            table: table.name.clone(),
            trigger: trigger.clone(),
        });
    }
    for policy in &table.policies {
        changes.push(Change::DropPolicy {
            table: table.name.clone(),
            policy: policy.clone(),
        });
    }
    for fk in &table.foreign_keys {
        changes.push(Change::DropForeignKey {
            table: table.name.clone(),
            foreign_key: fk.clone(),
        });
    }
    partitions::drop_partitions(table, changes);
    changes.push(Change::DropTable(table.clone()));
}

/// Match named objects: returns (only in old, only in new, changed pairs). Objects only on one side
/// whose definitions are equal apart from the name are reported as renames.
struct Matched<'a, T> {
    dropped: Vec<&'a T>,
    added: Vec<&'a T>,
    changed: Vec<(&'a T, &'a T)>,
    renamed: Vec<(&'a T, &'a T)>,
}

/// Builds the change that renames an object, given its old and new definitions.
type Rename<'f, T> = dyn Fn(&T, &T) -> Change + 'f;

impl<T> Matched<'_, T> {
    /// The changes, in a fixed order: renames, drops, changed definitions (`replace`), additions.
    /// `rename` is needed only when `match_named` was given a way to recognise a renamed object.
    fn emit(
        self,
        changes: &mut Vec<Change>,
        rename: Option<&Rename<'_, T>>,
        drop: impl Fn(&T) -> Change,
        replace: impl Fn(&T, &T) -> Vec<Change>,
        add: impl Fn(&T) -> Change,
    ) {
        for (o, n) in self.renamed {
            let rename = rename.expect("renames are only matched for objects that can be renamed");
            changes.push(rename(o, n));
        }
        changes.extend(self.dropped.into_iter().map(&drop));
        for (o, n) in self.changed {
            changes.extend(replace(o, n));
        }
        changes.extend(self.added.into_iter().map(&add));
    }
}

fn match_named<'a, T, N, S>(old: &'a [T], new: &'a [T], name: N, same_definition: S) -> Matched<'a, T>
where
    T: PartialEq,
    N: Fn(&T) -> &str,
    S: Fn(&T, &T) -> bool,
{
    let mut matched = Matched {
        dropped: Vec::new(),
        added: Vec::new(),
        changed: Vec::new(),
        renamed: Vec::new(),
    };
    let mut dropped: Vec<&T> = Vec::new();
    for o in old {
        match new.iter().find(|n| name(n) == name(o)) {
            Some(n) if n != o => matched.changed.push((o, n)),
            Some(_) => {}
            None => dropped.push(o),
        }
    }
    let mut added: Vec<&T> = new
        .iter()
        .filter(|n| !old.iter().any(|o| name(o) == name(n)))
        .collect();
    for o in dropped {
        match added.iter().position(|n| same_definition(o, n)) {
            Some(i) => matched.renamed.push((o, added.remove(i))),
            None => matched.dropped.push(o),
        }
    }
    matched.added = added;
    matched
}

fn diff_table(old: &Table, new: &Table, changes: &mut Vec<Change>) {
    let table = new.name.clone();
    partitions::diff_partitions(old, new, changes);

    // Columns, matched by name; their order is not compared (Postgres appends added columns).
    // Dropped columns are dropped last first, so that the down, which runs the steps backwards,
    // adds them again in their original order.
    for column in old.columns.iter().rev() {
        if new.column(&column.name).is_none() {
            changes.push(Change::DropColumn {
                table: table.clone(),
                column: column.clone(),
            });
        }
    }
    for column in &old.columns {
        match new.column(&column.name) {
            None => {}
            Some(target) => {
                let mut from_column = column.clone();
                let mut to_column = target.clone();
                if from_column.comment != to_column.comment {
                    changes.push(Change::SetColumnComment {
                        table: table.clone(),
                        column: column.name.clone(),
                        from: from_column.comment.clone(),
                        to: to_column.comment.clone(),
                    });
                }
                from_column.comment = None;
                to_column.comment = None;
                if from_column != to_column {
                    changes.push(Change::AlterColumn {
                        table: table.clone(),
                        from: from_column,
                        to: to_column,
                    });
                }
            }
        }
    }
    for column in &new.columns {
        if old.column(&column.name).is_none() {
            changes.push(Change::AddColumn {
                table: table.clone(),
                column: column.clone(),
            });
        }
    }

    match (&old.primary_key, &new.primary_key) {
        (Some(o), Some(n)) if o.columns == n.columns && o.deferrable != n.deferrable => {
            changes.push(Change::ReplacePrimaryKey {
                table: table.clone(),
                from: o.clone(),
                to: n.clone(),
            })
        }
        (Some(o), Some(n)) if o.columns == n.columns && o.name != n.name => {
            changes.push(Change::RenameConstraint {
                table: table.clone(),
                from: o.name.clone(),
                to: n.name.clone(),
            })
        }
        (Some(o), Some(n)) if o != n => {
            changes.push(Change::DropPrimaryKey {
                table: table.clone(),
                primary_key: o.clone(),
            });
            changes.push(Change::AddPrimaryKey {
                table: table.clone(),
                primary_key: n.clone(),
            });
        }
        (Some(o), None) => changes.push(Change::DropPrimaryKey {
            table: table.clone(),
            primary_key: o.clone(),
        }),
        (None, Some(n)) => changes.push(Change::AddPrimaryKey {
            table: table.clone(),
            primary_key: n.clone(),
        }),
        _ => {}
    }

    let rename_constraint = |from: &str, to: &str| Change::RenameConstraint {
        table: table.clone(),
        from: from.to_owned(),
        to: to.to_owned(),
    };
    let uniques = match_named(
        &old.uniques,
        &new.uniques,
        |u| &u.name,
        |a, b| {
            a.columns == b.columns
                && a.nulls_not_distinct == b.nulls_not_distinct
                && a.deferrable == b.deferrable
        },
    );
    let drop = |u: &UniqueConstraint| Change::DropUnique {
        table: table.clone(),
        unique: u.clone(),
    };
    let add = |u: &UniqueConstraint| Change::AddUnique {
        table: table.clone(),
        unique: u.clone(),
    };
    let rename = |o: &UniqueConstraint, n: &UniqueConstraint| rename_constraint(&o.name, &n.name);
    let replace = |o: &UniqueConstraint, n: &UniqueConstraint| {
        if o.columns == n.columns {
            vec![Change::ReplaceUnique {
                table: table.clone(),
                from: o.clone(),
                to: n.clone(),
            }]
        } else {
            vec![drop(o), add(n)]
        }
    };
    uniques.emit(changes, Some(&rename), drop, replace, add);

    let checks = match_named(
        &old.checks,
        &new.checks,
        |c| &c.name,
        |a, b| a.expression == b.expression && a.no_inherit == b.no_inherit && a.not_valid == b.not_valid,
    );
    let drop = |c: &CheckConstraint| Change::DropCheck {
        table: table.clone(),
        check: c.clone(),
    };
    let add = |c: &CheckConstraint| Change::AddCheck {
        table: table.clone(),
        check: c.clone(),
    };
    let replace = |o: &CheckConstraint, n: &CheckConstraint| {
        let same_definition = CheckConstraint {
            not_valid: n.not_valid,
            ..o.clone()
        } == *n;
        match (same_definition, o.not_valid, n.not_valid) {
            (true, true, false) => vec![Change::ValidateCheck {
                table: table.clone(),
                check: n.clone(),
            }],
            (true, false, true) => vec![Change::InvalidateCheck {
                table: table.clone(),
                check: n.clone(),
            }],
            _ => vec![drop(o), add(n)],
        }
    };
    let rename = |o: &CheckConstraint, n: &CheckConstraint| rename_constraint(&o.name, &n.name);
    checks.emit(changes, Some(&rename), drop, replace, add);

    let fks = match_named(
        &old.foreign_keys,
        &new.foreign_keys,
        |f| &f.name,
        |a, b| {
            ForeignKey {
                name: String::new(),
                ..a.clone()
            } == ForeignKey {
                name: String::new(),
                ..b.clone()
            }
        },
    );
    let drop = |f: &ForeignKey| Change::DropForeignKey {
        table: table.clone(),
        foreign_key: f.clone(),
    };
    let add = |f: &ForeignKey| Change::AddForeignKey {
        table: table.clone(),
        foreign_key: f.clone(),
    };
    let rename = |o: &ForeignKey, n: &ForeignKey| rename_constraint(&o.name, &n.name);
    let replace = |o: &ForeignKey, n: &ForeignKey| {
        let same_definition = ForeignKey {
            deferrable: n.deferrable,
            not_valid: n.not_valid,
            ..o.clone()
        } == *n;
        if same_definition {
            vec![Change::AlterForeignKey {
                table: table.clone(),
                from: o.clone(),
                to: n.clone(),
            }]
        } else {
            vec![drop(o), add(n)]
        }
    };
    fks.emit(changes, Some(&rename), drop, replace, add);

    // Matched by definition: a comment is not part of it (it changes on its own, below), while
    // the changes that create an index carry its comment.
    let old_definitions: Vec<Index> = old.indexes.iter().map(Index::definition).collect();
    let new_definitions: Vec<Index> = new.indexes.iter().map(Index::definition).collect();
    let indexes = match_named(
        &old_definitions,
        &new_definitions,
        |i| &i.name,
        |a, b| {
            Index {
                name: String::new(),
                ..a.clone()
            } == Index {
                name: String::new(),
                ..b.clone()
            }
        },
    );
    let full = |indexes: &[Index], definition: &Index| -> Index {
        indexes
            .iter()
            .find(|i| i.name == definition.name)
            .cloned()
            .expect("a definition of one of these indexes")
    };
    let mut kept: Vec<(Index, Index)> = indexes
        .renamed
        .iter()
        .map(|(o, n)| (full(&old.indexes, o), full(&new.indexes, n)))
        .collect();
    for index in &new.indexes {
        if let Some(o) = old.indexes.iter().find(|o| o.name == index.name)
            && o.definition() == index.definition()
        {
            kept.push((o.clone(), index.clone()));
        }
    }
    // An index can be swapped in place only when its table's columns stay as they are: otherwise
    // the old index may go with a dropped column, or the new one need a column not added yet.
    let columns_stable = old.columns.len() == new.columns.len()
        && old
            .columns
            .iter()
            .all(|c| new.column(&c.name).is_some_and(|n| n.ty == c.ty));
    let rename_index = |o: &Index, n: &Index| Change::RenameIndex {
        table: table.clone(),
        from: o.name.clone(),
        to: n.name.clone(),
    };
    let drop = |i: &Index| Change::DropIndex {
        table: table.clone(),
        index: full(&old.indexes, i),
    };
    let add = |i: &Index| Change::CreateIndex {
        table: table.clone(),
        index: full(&new.indexes, i),
    };
    let replace = |o: &Index, n: &Index| {
        if columns_stable {
            vec![Change::ReplaceIndex {
                table: table.clone(),
                from: full(&old.indexes, o),
                to: full(&new.indexes, n),
            }]
        } else {
            vec![drop(o), add(n)]
        }
    };
    indexes.emit(changes, Some(&rename_index), drop, replace, add);
    index_comments(&table, &kept, changes);

    if old.row_level_security != new.row_level_security {
        changes.push(Change::SetRowLevelSecurity {
            table: table.clone(),
            from: old.row_level_security,
            to: new.row_level_security,
        });
    }
    let policies = match_named(&old.policies, &new.policies, |p| &p.name, |_, _| false);
    let drop = |p: &Policy| Change::DropPolicy {
        table: table.clone(),
        policy: p.clone(),
    };
    let add = |p: &Policy| Change::CreatePolicy {
        table: table.clone(),
        policy: p.clone(),
    };
    policies.emit(changes, None, drop, |o, n| vec![drop(o), add(n)], add);
    let triggers = match_named(&old.triggers, &new.triggers, |t| &t.name, |_, _| false);
    let drop = |t: &Trigger| Change::DropTrigger {
        table: table.clone(),
        trigger: t.clone(),
    };
    let add = |t: &Trigger| Change::CreateTrigger {
        table: table.clone(),
        trigger: t.clone(),
    };
    triggers.emit(changes, None, drop, |o, n| vec![drop(o), add(n)], add);
    diff_grants(old, new, changes);
    if old.comment != new.comment {
        changes.push(Change::SetTableComment {
            table,
            from: old.comment.clone(),
            to: new.comment.clone(),
        });
    }
}

/// `COMMENT ON INDEX` for each index kept (its definition the same, its name maybe new) whose
/// comment changes.
pub(crate) fn index_comments(table: &str, kept: &[(Index, Index)], changes: &mut Vec<Change>) {
    for (o, n) in kept {
        if o.comment != n.comment {
            changes.push(Change::SetIndexComment {
                table: table.to_owned(),
                index: n.name.clone(),
                from: o.comment.clone(),
                to: n.comment.clone(),
            });
        }
    }
}

/// Per role: GRANT what `new` has and `old` lacks, REVOKE what `old` has and `new` lacks, on the
/// whole table and column by column. A privilege that moves between the whole table and some
/// columns is revoked (REVOKE on the table takes the column privileges along) and granted again
/// in its new form. The privileges of a column that goes are revoked before it goes (the plan keeps
/// such revokes first), so that the down, which adds the column again, grants them again.
fn diff_grants(old: &Table, new: &Table, changes: &mut Vec<Change>) {
    let table = new.name.as_str();
    let role_grant = |grants: &[Grant], role: &str| {
        grants
            .iter()
            .find(|g| g.role == role)
            .cloned()
            .unwrap_or_else(|| Grant::table(role, Vec::new()))
    };
    let roles: BTreeSet<&str> = old
        .grants
        .iter()
        .chain(&new.grants)
        .map(|g| g.role.as_str())
        .collect();
    for role in roles {
        let (had, has) = (role_grant(&old.grants, role), role_grant(&new.grants, role));
        let mut revoked = Grant::table(role, Vec::new());
        let mut granted = Grant::table(role, Vec::new());
        for privilege in Privilege::ALL {
            let (was_wide, is_wide) = (
                had.privileges.contains(&privilege),
                has.privileges.contains(&privilege),
            );
            let (was_on, is_on) = (had.columns_of(privilege), has.columns_of(privilege));
            match (was_wide, is_wide) {
                (true, true) => {}
                (true, false) => {
                    revoked.privileges.push(privilege);
                    push_columns(&mut granted, privilege, is_on.iter());
                }
                (false, true) => {
                    granted.privileges.push(privilege);
                    push_columns(&mut revoked, privilege, was_on.iter());
                }
                (false, false) => {
                    push_columns(
                        &mut revoked,
                        privilege,
                        was_on.iter().filter(|c| !is_on.contains(c)),
                    );
                    push_columns(
                        &mut granted,
                        privilege,
                        is_on.iter().filter(|c| !was_on.contains(c)),
                    );
                }
            }
        }
        revoked.serial_usage = had
            .serial_usage
            .iter()
            .filter(|c| !has.serial_usage.contains(c))
            .cloned()
            .collect();
        granted.serial_usage = has
            .serial_usage
            .iter()
            .filter(|c| !had.serial_usage.contains(c))
            .cloned()
            .collect();
        if !revoked.is_empty() {
            changes.push(Change::Revoke {
                table: table.to_owned(),
                grant: revoked,
            });
        }
        if !granted.is_empty() {
            changes.push(Change::Grant {
                table: table.to_owned(),
                grant: granted,
            });
        }
    }
}

fn push_columns<'a>(grant: &mut Grant, privilege: Privilege, columns: impl Iterator<Item = &'a String>) {
    let columns: Vec<String> = columns.cloned().collect();
    if !columns.is_empty() {
        grant.columns.push(ColumnGrant { privilege, columns });
    }
}

/// Objects Postgres will not let a change go past: they are dropped before it and recreated after.
///
/// - a foreign key whose referenced key (primary key, unique constraint or unique index) is
///   dropped or rebuilt, or whose columns on either side change type (Postgres refuses a type
///   that cannot be compared with the other side's, which one column converted before the other
///   would be);
/// - policies and triggers with a WHEN condition that use a column whose type changes (Postgres
///   refuses to change the type of a column such definitions use), and the checks and index
///   expressions that name such a column (Postgres rebuilds them itself, but from their text as
///   printed for the old type: converted back, `c > 0` comes out as `c::numeric > 0::numeric`).
///   Definitions that do not use the column, such as the tenant policy, are left alone;
/// - for enum changes, the objects of [`enum_dependents`], which the enum change itself drops and
///   recreates in its transaction (added values only in their reverse).
fn rebuild_dependents(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let mut rebuilt_keys: BTreeSet<(String, Vec<String>)> = BTreeSet::new();
    let mut converted_columns: BTreeSet<(&str, &str)> = BTreeSet::new();
    for change in changes.iter() {
        match change {
            Change::DropPrimaryKey { table, primary_key }
            | Change::ReplacePrimaryKey {
                table,
                from: primary_key,
                ..
            } => {
                rebuilt_keys.insert((table.clone(), sorted(&primary_key.columns)));
            }
            Change::DropUnique { table, unique }
            | Change::ReplaceUnique {
                table, from: unique, ..
            } => {
                rebuilt_keys.insert((table.clone(), sorted(&unique.columns)));
            }
            Change::DropIndex { table, index }
            | Change::ReplaceIndex {
                table, from: index, ..
            } if index.unique => {
                rebuilt_keys.insert((
                    table.clone(),
                    sorted(&index.key_columns().map(str::to_owned).collect::<Vec<_>>()),
                ));
            }
            // A new collation is set by the same ALTER COLUMN TYPE, and Postgres rebuilds what
            // depends on the column as it does for a new type (it fails to for a foreign key
            // over an array column).
            Change::AlterColumn { table, from, to } if from.ty != to.ty || from.collation != to.collation => {
                converted_columns.insert((table.as_str(), to.name.as_str()));
            }
            _ => {}
        }
    }
    let mut extra = Vec::new();
    if !rebuilt_keys.is_empty() || !converted_columns.is_empty() {
        // Dropped before the change and created again after it (plan phases order the two).
        let mut rebuild = |create: Change| {
            extra.push(create.reverse());
            extra.push(create);
        };
        for new in &to.tables {
            let Some(old) = from.table(&new.name) else {
                continue;
            };
            let table = new.name.clone();
            for fk in &new.foreign_keys {
                let unchanged = old.foreign_keys.contains(fk);
                let converted = |table: &str, columns: &[String]| {
                    columns
                        .iter()
                        .any(|c| converted_columns.contains(&(table, c.as_str())))
                };
                if unchanged
                    && (rebuilt_keys.contains(&(fk.referenced_table.clone(), sorted(&fk.referenced_columns)))
                        || converted(&table, &fk.columns)
                        || converted(&fk.referenced_table, &fk.referenced_columns))
                {
                    rebuild(Change::AddForeignKey {
                        table: table.clone(),
                        foreign_key: fk.clone(),
                    });
                }
            }
            let uses_converted = |sql: &String| {
                converted_columns.iter().any(|(t, column)| {
                    *t == table && (names_identifier(sql, column) || names_identifier(sql, t))
                })
            };
            for create in unchanged_definitions(old, new) {
                if definitions(&create).iter().any(&uses_converted) {
                    rebuild(create);
                }
            }
        }
        // A SQL-standard function body depends on the columns it reads, and Postgres refuses to
        // change their type under it: the function is dropped first and created again after.
        for function in to
            .functions
            .iter()
            .filter(|f| f.sql_body && from.functions.contains(f))
        {
            let reads_converted = converted_columns.iter().any(|(table, column)| {
                names_identifier(&function.body, table) && names_identifier(&function.body, column)
            });
            if reads_converted {
                rebuild(Change::CreateFunction(function.clone()));
            }
        }
    }
    let rebuilt: Vec<Change> = extra.clone();
    for change in changes.iter_mut() {
        let (Change::RecreateEnum {
            from: old_type,
            columns,
            dependents,
            ..
        }
        | Change::AddEnumValues {
            from: old_type,
            columns,
            dependents,
            ..
        }) = change
        else {
            continue;
        };
        let converted: BTreeSet<(&str, &str)> = columns
            .iter()
            .map(|c| (c.table.as_str(), c.column.as_str()))
            .collect();
        *dependents = enum_dependents(from, to, &old_type.name, &converted)
            .into_iter()
            .filter(|create| !rebuilt.contains(create))
            .collect();
    }
    changes.extend(extra);
}

/// The objects an enum recreation cannot carry across: Postgres rebuilds what depends on a
/// converted column from the definition's text as printed for the old type, so `status =
/// 'paid'::invoice_status` would compare the new type with the renamed old one, and the old type
/// cannot be dropped while a definition still names it. These are the foreign keys over a
/// converted column (on either side), and the policies, trigger conditions, checks and index
/// expressions or predicates that name a converted column, the table of one as a whole row, or
/// the type. Indexes on plain columns are rebuilt by Postgres itself; everything else is not
/// touched.
pub fn enum_dependents(
    from: &Schema,
    to: &Schema,
    type_name: &str,
    converted: &BTreeSet<(&str, &str)>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for new in &to.tables {
        let Some(old) = from.table(&new.name) else {
            continue;
        };
        let table = new.name.as_str();
        let has_converted = converted.iter().any(|(t, _)| *t == table);
        for fk in &new.foreign_keys {
            let over =
                |t: &str, columns: &[String]| columns.iter().any(|c| converted.contains(&(t, c.as_str())));
            if old.foreign_keys.contains(fk)
                && (over(table, &fk.columns) || over(&fk.referenced_table, &fk.referenced_columns))
            {
                out.push(Change::AddForeignKey {
                    table: table.to_owned(),
                    foreign_key: fk.clone(),
                });
            }
        }
        let uses = |sql: &String| {
            names_identifier(sql, type_name)
                || (has_converted
                    && (names_identifier(sql, table)
                        || converted
                            .iter()
                            .any(|(t, column)| *t == table && names_identifier(sql, column))))
        };
        for create in unchanged_definitions(old, new) {
            if definitions(&create).iter().any(&uses) {
                out.push(create);
            }
        }
    }
    out
}

/// The policies, triggers with a condition, checks and indexes with an expression or predicate
/// that are the same in `old` and `new`, as the changes that create them.
fn unchanged_definitions(old: &Table, new: &Table) -> Vec<Change> {
    let table = || new.name.clone();
    let mut out = Vec::new();
    for policy in new.policies.iter().filter(|p| old.policies.contains(p)) {
        out.push(Change::CreatePolicy {
            table: table(),
            policy: policy.clone(),
        });
    }
    for trigger in new
        .triggers
        .iter()
        .filter(|t| (t.when.is_some() || !t.update_columns.is_empty()) && old.triggers.contains(t))
    {
        out.push(Change::CreateTrigger {
            table: table(),
            trigger: trigger.clone(),
        });
    }
    // An index whose comment alone changes is the same index.
    for index in new
        .indexes
        .iter()
        .filter(|i| old.indexes.iter().any(|o| o.definition() == i.definition()))
    {
        let create = Change::CreateIndex {
            table: table(),
            index: index.clone(),
        };
        if !definitions(&create).is_empty() {
            out.push(create);
        }
    }
    for check in new.checks.iter().filter(|c| old.checks.contains(c)) {
        out.push(Change::AddCheck {
            table: table(),
            check: check.clone(),
        });
    }
    out
}

/// The SQL expressions a policy, trigger, index or check is defined by.
pub(crate) fn definitions(create: &Change) -> Vec<String> {
    match create {
        Change::CreatePolicy { policy, .. } => [&policy.using, &policy.with_check]
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
        // An `UPDATE OF` column counts as named by the trigger.
        Change::CreateTrigger { trigger, .. } => trigger
            .when
            .iter()
            .cloned()
            .chain(
                trigger
                    .update_columns
                    .iter()
                    .map(|c| schema_core::ident::quote(c)),
            )
            .collect(),
        Change::CreateIndex { index, .. } => {
            let keys = index.keys.iter().filter_map(|k| match &k.target {
                IndexTarget::Expression(e) => Some(e.clone()),
                IndexTarget::Column(_) => None,
            });
            index.predicate.iter().cloned().chain(keys).collect()
        }
        Change::AddCheck { check, .. } => vec![check.expression.clone()],
        _ => Vec::new(),
    }
}

/// Whether `sql` names the identifier `name`: unquoted (folded to lower case) or quoted, outside
/// string literals and comments.
/// A name of another schema counts by its unqualified part (`billing.t` is named by `t` or
/// `billing.t`): an over-approximation, which only costs a rebuild.
pub(crate) fn names_identifier(sql: &str, name: &str) -> bool {
    let name = schema_core::ident::unqualified(name);
    tokenize(sql)
        .iter()
        .any(|token| token.identifier().as_deref() == Some(name))
}

/// A column converted by an enum change has its default set by that change (the old default may
/// name a value the new type lacks, and the other way round), so its own alteration leaves the
/// default alone, and disappears if nothing else changes.
fn give_enum_column_defaults_to_enum_changes(changes: &mut Vec<Change>) {
    let owned: BTreeSet<(String, String)> = changes
        .iter()
        .flat_map(|change| match change {
            Change::AddEnumValues { columns, .. } | Change::RecreateEnum { columns, .. } => {
                columns.as_slice()
            }
            _ => &[],
        })
        .map(|c| (c.table.clone(), c.column.clone()))
        .collect();
    if owned.is_empty() {
        return;
    }
    changes.retain_mut(|change| match change {
        Change::AlterColumn { table, from, to } if owned.contains(&(table.clone(), to.name.clone())) => {
            from.default = to.default.clone();
            from != to
        }
        _ => true,
    });
}

fn sorted(columns: &[String]) -> Vec<String> {
    let mut columns = columns.to_vec();
    columns.sort();
    columns
}

/// Drop exact duplicates, keeping the first occurrence (dependents can be rebuilt for two reasons).
fn dedup(changes: Vec<Change>) -> Vec<Change> {
    let mut unique: Vec<Change> = Vec::with_capacity(changes.len());
    for change in changes {
        if !unique.contains(&change) {
            unique.push(change);
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema_core::TableRename;
    use schema_core::declare::ColumnRename;
    use schema_core::model::{ColumnType, PrimaryKey};

    fn table(name: &str, columns: &[&str]) -> Table {
        let mut table = Table::new(
            name,
            columns
                .iter()
                .map(|c| Column::new(*c, ColumnType::Text))
                .collect(),
        );
        table.primary_key = Some(PrimaryKey {
            name: format!("{name}_pkey"),
            columns: vec![columns[0].to_owned()],
            deferrable: Default::default(),
        });
        table
    }

    fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables,
            ..Schema::default()
        }
        .canonical()
    }

    #[test]
    fn equal_schemas_have_no_changes() {
        let s = schema(vec![table("a", &["id", "x"])]);
        assert!(diff(&s, &s, &Renames::default()).is_empty());
    }

    #[test]
    fn column_order_is_not_a_change() {
        let a = schema(vec![table("a", &["id", "x", "y"])]);
        let b = schema(vec![table("a", &["id", "y", "x"])]);
        assert!(diff(&a, &b, &Renames::default()).is_empty());
    }

    #[test]
    fn declared_table_rename_renames_instead_of_drop_and_create() {
        let from = schema(vec![table("bills", &["id"])]);
        let to = schema(vec![table("invoices", &["id"])]);
        let renames = Renames {
            tables: vec![TableRename {
                from: "bills".into(),
                to: "invoices".into(),
            }],
            columns: vec![],
            objects: Vec::new(),
        };
        assert_eq!(
            diff(&from, &to, &renames),
            vec![
                Change::RenameTable {
                    from: "bills".into(),
                    to: "invoices".into()
                },
                Change::RenameConstraint {
                    table: "invoices".into(),
                    from: "bills_pkey".into(),
                    to: "invoices_pkey".into()
                },
            ]
        );
        // Without the declaration, the engine does not guess.
        let changes = diff(&from, &to, &Renames::default());
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::DropTable(t) if t.name == "bills"))
        );
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::CreateTable(t) if t.name == "invoices"))
        );
    }

    #[test]
    fn a_rename_already_applied_is_a_no_op() {
        let s = schema(vec![table("invoices", &["id", "email"])]);
        let renames = Renames {
            tables: vec![TableRename {
                from: "bills".into(),
                to: "invoices".into(),
            }],
            columns: vec![ColumnRename {
                table: "invoices".into(),
                from: "mail".into(),
                to: "email".into(),
            }],
            objects: Vec::new(),
        };
        assert!(diff(&s, &s, &renames).is_empty());
    }

    #[test]
    fn declared_column_rename_follows_into_keys() {
        let from = schema(vec![table("users", &["id", "mail"])]);
        let to = schema(vec![table("users", &["id", "email"])]);
        let renames = Renames {
            tables: vec![],
            columns: vec![ColumnRename {
                table: "users".into(),
                from: "mail".into(),
                to: "email".into(),
            }],
            objects: Vec::new(),
        };
        assert_eq!(
            diff(&from, &to, &renames),
            vec![Change::RenameColumn {
                table: "users".into(),
                from: "mail".into(),
                to: "email".into()
            }]
        );
    }

    #[test]
    fn enum_changes_pick_add_value_or_recreate() {
        let e = |values: &[&str]| EnumType {
            name: "s".into(),
            values: values.iter().map(|v| (*v).into()).collect(),
            comment: None,
        };
        assert!(matches!(
            enum_change(e(&["a", "c"]), e(&["a", "b", "c"]), vec![]),
            Change::AddEnumValues { .. }
        ));
        assert!(matches!(
            enum_change(e(&["a", "b"]), e(&["b", "a"]), vec![]),
            Change::RecreateEnum { .. }
        ));
        assert!(matches!(
            enum_change(e(&["a", "b"]), e(&["a"]), vec![]),
            Change::RecreateEnum { .. }
        ));
        // The reverse of adding values removes them, by recreation.
        let added = enum_change(e(&["a"]), e(&["a", "b"]), vec![]);
        assert_eq!(
            added.reverse(),
            Change::RecreateEnum {
                from: e(&["a", "b"]),
                to: e(&["a"]),
                columns: vec![],
                dependents: vec![],
                policies: vec![],
            }
        );
        assert_eq!(added.reverse().reverse(), added);
    }

    #[test]
    fn identifiers_are_found_outside_literals() {
        assert!(names_identifier("(s <> 'paid'::status)", "s"));
        assert!(names_identifier("(\"Mixed\" IS NOT NULL)", "Mixed"));
        assert!(names_identifier("Status = 'a'", "status"));
        assert!(!names_identifier("(kind = 'status')", "status"));
        assert!(!names_identifier("(statuses > 0)", "status"));
        assert!(!names_identifier("(\"Status\" > 0)", "status"));
    }

    #[test]
    fn reverse_is_an_involution() {
        let from = schema(vec![table("a", &["id", "x"]), table("gone", &["id"])]);
        let mut changed = table("a", &["id", "y"]);
        changed.comment = Some("c".into());
        changed.columns[0].nullable = true;
        let to = schema(vec![changed, table("new", &["id"])]);
        let changes = diff(&from, &to, &Renames::default());
        assert!(!changes.is_empty());
        for change in changes {
            assert_eq!(change.reverse().reverse(), change);
        }
    }
}
